// Issue 11, the host: every value a careless or hostile manifest gave that hung, crashed or failed only
// after the data was loaded is refused where the manifest is read, with its place, in bounded time.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "catalogue/models.h"
#include "core/error.h"
#include "manifest/limits.h"
#include "manifest/manifest.h"
#include "process.h"

namespace trainkit {
namespace {

using Catch::Contains;

std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_manifest(text, "m.toml", overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string load_error(const std::string& path) {
  try {
    load_manifest(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_CASE("trigger counts past 10^15 are refused where they are written", "[bounds]") {
  CHECK(error_of("[trainer]\nstop = \"1e30 iteration\"\n") ==
        "m.toml:2:8: trainer.stop: trigger \"1e30 iteration\": at most 1000000000000000 iterations (a larger count "
        "is never reached)");
  CHECK_THAT(error_of("[trainer]\nstop = \"1e30 epoch\"\n"), Contains("at most 1000000000000000 epochs"));
  CHECK_THAT(error_of("", {"trainer.stop=9007199254740993 iteration"}), Contains("--set trainer.stop"));
  CHECK_THAT(error_of("[[extension]]\nuse = \"x\"\ntrigger = { at = [1, 1e30], unit = \"epoch\" }\n"),
             Contains("extension.x.trigger.at[1]: must be at most 1000000000000000"));
  CHECK_THAT(error_of("[[extension]]\nuse = \"x\"\ntrigger = { every = \"1e308 h\" }\n"),
             Contains("too long to count"));
  CHECK(error_of("[trainer]\nstop = \"1e15 iteration\"\n") == "(no error)");
  CHECK(error_of("[trainer]\nstop = \"1e-30 epoch\"\n") == "(no error)");  // below one iteration: see epoch math
}

TEST_CASE("inf is refused like nan and -inf, in the file and in --set", "[bounds]") {
  CHECK(error_of("[optimizer]\nlr = inf\n") == "m.toml:2:6: optimizer.lr: must be a finite number, not inf");
  CHECK(error_of("[optimizer]\nlr = nan\n") == "m.toml:2:6: optimizer.lr: must be a finite number, not nan");
  CHECK(error_of("[optimizer]\nlr = -inf\n") == "m.toml:2:6: optimizer.lr: must be a finite number, not -inf");
  CHECK(error_of("", {"optimizer.lr=inf"}) == "--set optimizer.lr: must be a finite number, not inf");
  CHECK_THAT(error_of("[model]\ndropout = inf\n"), Contains("model.dropout: must be a finite number"));
  CHECK_THAT(error_of("[optimizer]\nname = \"adam\"\nbetas = [0.9, inf]\n"), Contains("optimizer.betas[1]: must be a finite"));
  CHECK_THAT(error_of("[[extension]]\nuse = \"x\"\ntrigger = { every = inf }\n"), Contains("must be a finite"));
}

TEST_CASE("optimizer values must fit the float32 scalars LibTorch turns them into", "[bounds]") {
  CHECK(error_of("", {"optimizer.lr=1e308"}) == "--set optimizer.lr: must be in [0, 3.40282e+38]");
  CHECK(error_of("[optimizer]\nname = \"adam\"\neps = 1e39\n") == "m.toml:3:7: optimizer.eps: must be in (0, 3.40282e+38]");
  CHECK(error_of("", {"optimizer.lr=3e38"}) == "(no error)");
}

TEST_CASE("threads are bounded by the machine and by 1024", "[bounds]") {
  const int64_t most = max_threads_here();
  REQUIRE(most >= 1);
  REQUIRE(most <= kMaxThreads);
  CHECK(error_of(str_cat("[trainer]\nthreads = ", most, "\n")) == "(no error)");
  CHECK_THAT(error_of(str_cat("[trainer]\nthreads = ", most + 1, "\n")),
             Contains("m.toml:2:11: trainer.threads: must be at most " + std::to_string(most)));
  CHECK_THAT(error_of("", {"trainer.threads=100000"}), Contains("--set trainer.threads: must be at most"));
  CHECK_THAT(error_of("", {"trainer.threads=2147483648"}), Contains("got 2147483648"));
  CHECK_THAT(error_of("", {"trainer.threads=-1"}), Contains("must be >= 0"));
}

TEST_CASE("batch_size is bounded so that no epoch arithmetic overflows", "[bounds]") {
  CHECK(error_of("[data]\nbatch_size = 9223372036854775807\n") ==
        "m.toml:2:14: data.batch_size: must be in [1, 16777216], got 9223372036854775807");
  CHECK(error_of(str_cat("[data]\nbatch_size = ", kMaxBatchSize, "\n")) == "(no error)");
  CHECK_THAT(error_of("[data]\nbatch_size = 0\n"), Contains("must be in [1, 16777216]"));
}

TEST_CASE("an instance name is at most 128 characters and is not echoed whole", "[bounds]") {
  const std::string long_name(10 << 20, 'a');
  const std::string error = error_of("[[extension]]\nuse = \"log_report\"\nname = \"" + long_name + "\"\n");
  CHECK_THAT(error, Contains("extension[0].name: is 10485760 characters long; an instance name has at most 128"));
  CHECK(error.size() < 200);
  CHECK(error_of("[[extension]]\nuse = \"x\"\nname = \"" + std::string(128, 'b') + "\"\n") == "(no error)");
}

TEST_CASE("model widths are bounded, and a model's size is counted before it is built", "[bounds]") {
  CHECK_THAT(error_of("[model]\nhidden = [16777217]\n"), Contains("model.hidden[0]: must be in (0, 16777216]"));
  ModelConfig mlp;  // mlp 784-256-10
  CHECK(catalogue::builtin_parameter_count(mlp, 1, 28, 28, 10) == 784 * 256 + 256 + 256 * 10 + 10);
  mlp.hidden = {16777216, 16777216, 16777216};
  CHECK(catalogue::builtin_parameter_count(mlp, 1, 28, 28, 10) > int64_t{1} << 48);
  mlp.hidden = std::vector<int64_t>(40000, 16777216);  // 40000 x 2^48: the sum saturates instead of wrapping
  CHECK(catalogue::builtin_parameter_count(mlp, 1, 28, 28, 10) == std::numeric_limits<int64_t>::max());
  ModelConfig cnn;
  cnn.builtin = "cnn";  // conv 1→32, 32→64, then linear 64*7*7 → 10
  CHECK(catalogue::builtin_parameter_count(cnn, 1, 28, 28, 10) ==
        (1 * 32 * 9 + 32) + (32 * 64 * 9 + 64) + (64 * 7 * 7 * 10 + 10));
  ModelConfig unknown;
  unknown.builtin = "resnet";  // refused by name when the model is built; counting it is no internal error
  CHECK(catalogue::builtin_parameter_count(unknown, 1, 28, 28, 10) == 0);
}

TEST_CASE("a manifest is read only from a regular file of at most 4 MiB, and never blocks", "[bounds]") {
  tk_test::TempDir dir;
  const std::string fifo = dir.file("m.toml");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto start = std::chrono::steady_clock::now();
  CHECK(load_error(fifo) == fifo + ": cannot read the manifest: it is a FIFO (named pipe), not a file");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(load_error("/dev/zero") == "/dev/zero: cannot read the manifest: it is a device, not a file");
  CHECK(load_error(dir.path()) == dir.path() + ": cannot read the manifest: it is a folder, not a file");
  CHECK(load_error(dir.file("none.toml")) == dir.file("none.toml") + ": cannot read the manifest: no such file");
  tk_test::write_file(dir.file("big.toml"), "# " + std::string(kMaxManifestBytes, 'x') + "\n");
  CHECK_THAT(load_error(dir.file("big.toml")), Contains("more than the 4194304 a manifest may hold"));
  tk_test::write_file(dir.file("ok.toml"), "[trainer]\nseed = 3\n");
  CHECK(load_manifest(dir.file("ok.toml")).trainer.seed == 3);
}

TEST_CASE("the files a manifest names are checked at their keys", "[bounds]") {
  tk_test::TempDir dir;
  const Manifest missing_root = parse_manifest("[data]\nroot = \"nowhere\"\n", dir.file("m.toml"));
  CHECK_THROWS_WITH(check_named_files(missing_root),
                    dir.file("m.toml") + ":2:8: data.root: cannot read the data folder " + dir.file("nowhere") +
                        ": no such folder");
  const std::string fifo = dir.file("net.pt");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const Manifest fifo_model = parse_manifest("[model]\ntorchscript = \"net.pt\"\n[data]\nroot = \".\"\n", dir.file("m.toml"));
  CHECK_THROWS_WITH(check_named_files(fifo_model), Contains(":2:15: model.torchscript: cannot read " + fifo +
                                                            ": is a FIFO (named pipe), not a file"));
}

}  // namespace
}  // namespace trainkit
