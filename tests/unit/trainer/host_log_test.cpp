// trainkit.log/1 is [any thread]: the snapshot extension's background writers log from their own threads.
// Each line must name its instance (Note [One tk_host per instance]) without reading anything the main
// thread changes; the TSan build of this test (docs/testing.md) checks the second half.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include "trainer_rig.h"

namespace trainkit {
namespace {

using Catch::Contains;

// Sends this process's stderr to a file for the object's lifetime.
class StderrToFile {
 public:
  explicit StderrToFile(const std::string& path) : saved_(::dup(STDERR_FILENO)) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  ~StderrToFile() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
  }

 private:
  int saved_;
};

TEST_CASE("background snapshot writers log from their threads, each line naming its instance", "[trainer][log]") {
  const std::string writer = GENERATE(as<std::string>{}, "thread", "thread_queue");
  TrainerRig rig("[[extension]]\nuse = \"snapshot\"\nname = \"snap_a\"\ntrigger = \"1 iteration\"\nwriter = \"" + writer +
                 "\"\nn_retains = 2\n\n[[extension]]\nuse = \"snapshot\"\nname = \"snap_b\"\ntrigger = \"1 iteration\"\n"
                 "writer = \"" + writer + "\"\nfilename = \"b_{iteration}\"\n");
  rig.set_log_level(TK_LOG_DEBUG);
  const std::string log = rig.out() + "/../stderr.txt";
  {
    StderrToFile capture(log);
    REQUIRE(rig.run("12 iteration") == RunEnd::kCompleted);
  }
  const std::string text = tk_test::read_file(log);
  CHECK_THAT(text, Contains("trainkit: [snap_a] wrote snapshot_iter_12\n"));
  CHECK_THAT(text, Contains("trainkit: [snap_b] wrote b_12\n"));
  CHECK_THAT(text, !Contains("[snap_a] wrote b_") && !Contains("[snap_b] wrote snapshot_iter_"));
}

}  // namespace
}  // namespace trainkit
