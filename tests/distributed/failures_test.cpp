// What stops a distributed run, and how: a frozen rank, a wrong MASTER_ADDR, a port in use, ranks that do not
// run the same job. Each ends within the timeout with a message that says what happened (and which rank).
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <thread>

#include "dist_support.h"
#include "distributed/launcher.h"

using namespace tk_test;
using Catch::Matchers::Contains;

namespace {

// A TCP port on 127.0.0.1 held by a listening socket for the life of the object.
class BusyPort {
 public:
  BusyPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~BusyPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace

TEST_CASE("a frozen rank stops the others within the timeout, naming it", "[crash]") {
  TK_REQUIRE_DATA();
  TempDir dir;
  // 6 s: short, yet long enough for both ranks to reach the rendezvous on a loaded machine.
  write_file(dir.file("m.toml"), dist_manifest("1000 epoch", "", 32, /*timeout=*/6));
  const int port = trainkit::distributed::free_local_port();
  int rank0 = start_process({TK_TRAINKIT_BIN, "run", dir.file("m.toml")}, dir.file("out0"), dir.file("err0"),
                            rank_env(0, 2, port));
  int rank1 = start_process({TK_TRAINKIT_BIN, "run", dir.file("m.toml")}, dir.file("out1"), dir.file("err1"),
                            rank_env(1, 2, port));
  // Once rank 0 has described the session (rendezvous done), and a moment more: training under way.
  auto start = std::chrono::steady_clock::now();
  while (read_file(dir.file("err0")).find("iterations per epoch") == std::string::npos && seconds_since(start) < 60)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ::kill(rank1, SIGSTOP);
  auto frozen_at = std::chrono::steady_clock::now();
  int code = wait_process(rank0);
  const double took = seconds_since(frozen_at);
  ::kill(rank1, SIGKILL);
  wait_process(rank1);
  const std::string err = read_file(dir.file("err0"));
  INFO(err);
  CHECK(code == 1);
  CHECK(took < 6 + 10);
  CHECK_THAT(err, Contains("trainkit[0]: error: distributed") &&
                      Contains("rank 1 stopped responding: no heartbeat for"));
}

TEST_CASE("rendezvous problems are configuration errors (exit 2) that say what to check") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), dist_manifest("1 epoch", "", 32, /*timeout=*/2));
  SECTION("MASTER_PORT in use on rank 0's machine") {
    BusyPort busy;
    auto r = run_trainkit({"run", dir.file("m.toml")}, rank_env(0, 2, busy.port()));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("rank 0 cannot serve the rendezvous on MASTER_PORT=" + std::to_string(busy.port())) &&
                          Contains("in use"));
  }
  SECTION("a MASTER_ADDR that does not resolve") {
    auto env = rank_env(1, 2, 29999);
    env["MASTER_ADDR"] = "no-such-host.invalid";
    auto r = run_trainkit({"run", dir.file("m.toml")}, env);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("MASTER_ADDR=no-such-host.invalid does not resolve"));
  }
  SECTION("a MASTER_ADDR where no rank 0 serves") {
    auto start = std::chrono::steady_clock::now();
    auto r = run_trainkit({"run", dir.file("m.toml")}, rank_env(1, 2, trainkit::distributed::free_local_port()));
    CHECK(r.exit_code == 2);
    CHECK(seconds_since(start) < 2 + 20);
    CHECK_THAT(r.err, Contains("trainkit[1]: error: rendezvous at 127.0.0.1:") &&
                          Contains("Check that MASTER_ADDR and MASTER_PORT name rank 0's machine"));
  }
}

TEST_CASE("ranks whose manifests differ stop at rendezvous with exit 2") {
  TK_REQUIRE_DATA();
  TempDir dir;
  write_file(dir.file("m.toml"), dist_manifest("1 epoch", "", 32, /*timeout=*/10));
  const int port = trainkit::distributed::free_local_port();
  int rank0 = start_process({TK_TRAINKIT_BIN, "run", dir.file("m.toml")}, dir.file("out0"), dir.file("err0"),
                            rank_env(0, 2, port));
  int rank1 = start_process({TK_TRAINKIT_BIN, "run", dir.file("m.toml"), "--set", "optimizer.lr=0.2"},
                            dir.file("out1"), dir.file("err1"), rank_env(1, 2, port));
  CHECK(wait_process(rank0) == 2);
  CHECK(wait_process(rank1) == 2);
  for (const char* err : {"err0", "err1"}) {
    INFO(read_file(dir.file(err)));
    CHECK_THAT(read_file(dir.file(err)), Contains("the ranks do not run the same job"));
  }
}

TEST_CASE("usage errors: --nproc inside a rank's environment, and a bad --nproc") {
  TempDir dir;
  write_file(dir.file("m.toml"), dist_manifest("1 epoch", ""));
  auto nested = run_trainkit({"run", dir.file("m.toml"), "--nproc", "2"}, rank_env(0, 2, 29999));
  CHECK(nested.exit_code == 2);
  CHECK_THAT(nested.err, Contains("--nproc starts its own ranks"));
  auto bad = run_trainkit({"run", dir.file("m.toml"), "--nproc", "two"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Contains("--nproc two: expected a number of ranks"));
}
