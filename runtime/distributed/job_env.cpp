#include "distributed/job_env.h"

#include <cerrno>
#include <cstdlib>

#include "core/error.h"

namespace trainkit::distributed {
namespace {

// The whole text as a base-10 integer in [low, high], or ConfigError naming the variable.
int integer_variable(const char* name, const char* text, long low, long high) {
  errno = 0;
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  TK_CHECK(*text != '\0' && *end == '\0' && errno == 0 && value >= low && value <= high, ConfigError,
           "environment variable ", name, "=\"", text, "\" is not an integer in [", low, ", ", high, "]");
  return static_cast<int>(value);
}

}  // namespace

std::optional<JobEnv> read_job_env(const std::function<const char*(const char*)>& getenv_fn) {
  auto get = [&](const char* name) -> const char* {
    const char* v = getenv_fn ? getenv_fn(name) : std::getenv(name);
    return v != nullptr && *v != '\0' ? v : nullptr;
  };
  const char* rank = get("RANK");
  const char* world = get("WORLD_SIZE");
  if (rank == nullptr && world == nullptr) return std::nullopt;
  TK_CHECK(rank != nullptr && world != nullptr, ConfigError, rank ? "RANK" : "WORLD_SIZE",
           " is set but ", rank ? "WORLD_SIZE" : "RANK",
           " is not: a rank of a distributed run needs both (torchrun sets them; see docs/distributed.md)");
  JobEnv job;
  job.world_size = integer_variable("WORLD_SIZE", world, 1, 1 << 20);
  job.rank = integer_variable("RANK", rank, 0, job.world_size - 1);
  const char* local = get("LOCAL_RANK");
  job.local_rank = local ? integer_variable("LOCAL_RANK", local, 0, job.world_size - 1) : job.rank;
  const char* addr = get("MASTER_ADDR");
  const char* port = get("MASTER_PORT");
  TK_CHECK(addr != nullptr, ConfigError, "RANK and WORLD_SIZE are set but MASTER_ADDR is not: it names the machine of rank 0");
  TK_CHECK(port != nullptr, ConfigError, "RANK and WORLD_SIZE are set but MASTER_PORT is not: the port rank 0 listens on");
  job.master_addr = addr;
  job.master_port = integer_variable("MASTER_PORT", port, 1, 65535);
  return job;
}

std::string describe(const JobEnv& job) {
  return str_cat("rank ", job.rank, " of ", job.world_size, " (local rank ", job.local_rank, "), rendezvous at ",
                 job.master_addr, ":", job.master_port);
}

}  // namespace trainkit::distributed
