#include "distributed/launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <thread>

#include "core/error.h"

extern char** environ;

namespace trainkit::distributed {
namespace {

// The ranks' pids for the signal handler, which forwards to those not reaped yet (-1 once reaped).
constexpr int kMaxLocalRanks = 1024;
volatile sig_atomic_t g_ranks[kMaxLocalRanks];
volatile sig_atomic_t g_rank_count = 0;

void forward_signal(int sig) {
  for (int i = 0; i < g_rank_count; ++i)
    if (g_ranks[i] > 0) ::kill(g_ranks[i], sig);
}

int severity(int code) {
  switch (code) {
    case 0: return 0;
    case 130:
    case 143: return 1;
    case 1: return 2;
    case 3: return 3;
    case 2: return 4;
    default: return 5;  // 70 (internal error), 128 + n (killed by a signal), anything unexpected
  }
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

// The environment of rank `rank`: this process's, with torchrun's variables replaced.
std::vector<std::string> rank_environment(int rank, int nproc, int port) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  vars["RANK"] = vars["LOCAL_RANK"] = std::to_string(rank);
  vars["WORLD_SIZE"] = vars["LOCAL_WORLD_SIZE"] = std::to_string(nproc);
  vars["GROUP_RANK"] = "0";
  vars["MASTER_ADDR"] = "127.0.0.1";
  vars["MASTER_PORT"] = std::to_string(port);
  if (vars.count("OMP_NUM_THREADS") == 0) vars["OMP_NUM_THREADS"] = "1";
  std::vector<std::string> env;
  for (const auto& [k, v] : vars) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (std::string& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

// fork + exec in a process group of its own; the child dies with SIGTERM when the launcher dies.
pid_t start_rank(std::vector<std::string> argv, std::vector<std::string> env) {
  std::vector<char*> args = pointers(argv), envp = pointers(env);
  const pid_t launcher = ::getpid();
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  // Only async-signal-safe calls from here on: the parent may have threads.
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != launcher) ::_exit(143);  // the launcher died before prctl took effect
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(args[0], args.data(), envp.data());
  ::_exit(127);
}

}  // namespace

int worst_exit_code(const std::vector<int>& codes) {
  int worst = 0;
  for (int c : codes)
    if (severity(c) > severity(worst)) worst = c;
  return worst;
}

std::string describe_exit_code(int code) {
  switch (code) {
    case 0: return "0";
    case 1: return "1 (training failed)";
    case 2: return "2 (usage, manifest or plugin error)";
    case 3: return "3 (resume refused)";
    case 70: return "70 (internal error)";
    case 127: return "127 (could not start trainkit)";
    case 130: return "130 (stopped by SIGINT)";
    case 143: return "143 (stopped by SIGTERM)";
    default: break;
  }
  if (code > 128 && code < 128 + 65) {
    const char* name = ::sigabbrev_np(code - 128);
    return str_cat(code, " (killed by SIG", name ? name : std::to_string(code - 128).c_str(), ")");
  }
  return std::to_string(code);
}

int free_local_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  TK_CHECK(fd >= 0, ConfigError, "--nproc: cannot open a socket to find a free port: ", std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  int err = errno;
  ::close(fd);
  TK_CHECK(ok, ConfigError, "--nproc: no free TCP port on 127.0.0.1: ", std::strerror(err));
  return ntohs(addr.sin_port);
}

int launch_local(const LocalLaunch& launch) {
  TK_INTERNAL_ASSERT(launch.nproc >= 1 && launch.nproc <= kMaxLocalRanks && !launch.argv.empty());
  const int port = free_local_port();
  g_rank_count = 0;
  for (int rank = 0; rank < launch.nproc; ++rank) {
    pid_t pid = start_rank(launch.argv, rank_environment(rank, launch.nproc, port));
    if (pid < 0) {
      int err = errno;
      for (int i = 0; i < g_rank_count; ++i) ::kill(g_ranks[i], SIGKILL);
      for (int i = 0; i < g_rank_count; ++i) ::waitpid(g_ranks[i], nullptr, 0);
      throw ConfigError(str_cat("--nproc: cannot start rank ", rank, ": ", std::strerror(err)));
    }
    g_ranks[g_rank_count] = pid;
    g_rank_count = g_rank_count + 1;
  }

  struct sigaction forward {}, old_int {}, old_term {};
  forward.sa_handler = &forward_signal;
  sigemptyset(&forward.sa_mask);
  ::sigaction(SIGINT, &forward, &old_int);
  ::sigaction(SIGTERM, &forward, &old_term);

  using Clock = std::chrono::steady_clock;
  std::vector<int> codes(static_cast<size_t>(launch.nproc), 0);
  int running = launch.nproc;
  std::optional<Clock::time_point> deadline;
  bool killed = false;
  while (running > 0) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno != EINTR) break;  // no children left: cannot happen while running > 0
    if (pid <= 0) {
      if (deadline && !killed && Clock::now() >= *deadline) {
        launch.log(str_cat("ranks still running ", launch.grace_seconds,
                           " s after the first failure; killing them"));
        for (int i = 0; i < g_rank_count; ++i)
          if (g_ranks[i] > 0) ::kill(g_ranks[i], SIGKILL);
        killed = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    for (int rank = 0; rank < g_rank_count; ++rank) {
      if (g_ranks[rank] != pid) continue;
      g_ranks[rank] = -1;  // never signal a reaped pid: it may belong to someone else by now
      codes[static_cast<size_t>(rank)] = exit_code_of(status);
      --running;
      const int code = codes[static_cast<size_t>(rank)];
      if (code != 0 && code != 130 && code != 143) {
        launch.log(str_cat("rank ", rank, " exited with code ", describe_exit_code(code)));
        if (!deadline) deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                     std::chrono::duration<double>(launch.grace_seconds));
      }
    }
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  g_rank_count = 0;
  return worst_exit_code(codes);
}

}  // namespace trainkit::distributed
