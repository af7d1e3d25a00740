// Fixture for tests/robustness/host_signal_test.cpp: an extension that blocks where it is told to, the way
// a stuck plugin or an open of a FIFO does, so a test can send a stop signal into any phase of a run.
//
//   [[extension]]
//   use = "host_blocker"
//   block_in = "call"            # create | initialize | call
//   at_iteration = 2             # call: block at this iteration only
//   fifo = "/tmp/x/fifo"         # opened for reading: blocks until a writer comes (none does)
//   marker = "/tmp/x/blocking"   # written just before blocking, so the test knows when to signal
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include <trainkit/sdk.hpp>

namespace {

class HostBlocker final : public tk::Extension {
 public:
  static tk::ClassSpec spec() {
    return {"host_blocker",
            "blocks in create, initialize or call by opening a FIFO for reading",
            "1 iteration",
            TK_PRIORITY_READER,
            0,
            {tk::option::choice("block_in", "call", {"create", "initialize", "call"}, "where to block"),
             tk::option::integer("at_iteration", "1", "call: block at this iteration"),
             tk::option::required(tk::option::string("fifo", nullptr, "a FIFO to open for reading")),
             tk::option::required(tk::option::string("marker", nullptr, "a file written just before blocking"))},
            1};
  }
  HostBlocker(const tk::Config& cfg, const tk::Host& host)
      : Extension(host),
        block_in_(cfg.get_choice("block_in")),
        at_iteration_(cfg.get_int("at_iteration")),
        fifo_(cfg.get_string("fifo")),
        marker_(cfg.get_string("marker")) {
    if (block_in_ == "create") block();
  }

  void initialize(tk::Context&) override {
    if (block_in_ == "initialize") block();
  }
  void call(tk::Context& ctx) override {
    if (block_in_ == "call" && ctx.iteration() == at_iteration_) block();
  }

 private:
  void block() const {
    if (FILE* f = std::fopen(marker_.c_str(), "w")) std::fclose(f);
    const int fd = ::open(fifo_.c_str(), O_RDONLY);  // no writer ever comes
    if (fd >= 0) ::close(fd);
  }

  std::string block_in_;
  int64_t at_iteration_;
  std::string fifo_, marker_;
};

}  // namespace

TK_PLUGIN("org.trainkit.test.host_blocker", "1.0.0", "Fixture: blocks where it is told to", HostBlocker)
