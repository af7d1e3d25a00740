// distributed_bench [ITERATIONS=400] [DIR=<build>/bench-tmp]
//
// What data parallelism buys on this machine: bin/trainkit trains the Fashion-MNIST MLP (784-256-10, batch
// 64 per rank, SGD with momentum, seed 0, no extensions) for ITERATIONS updates as
//   1 rank x 1 thread     the baseline
//   1 rank x 2 threads    one process on two cores (intra-op threads)
//   2 ranks x 1 thread    `--nproc 2`: two processes, each update sees twice the examples
// and prints, for each, samples per second of training (trainkit's own "done: N iterations in X s", so process
// start, plugin loading and reading the data are left out) and, for two ranks, the share of that time the
// gradient all-reduce took: from the first bucket's launch to the last one's completion (overlapping the
// backward pass), and the part of it after the backward pass, which the update waited for.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;

constexpr int kBatch = 64;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "distributed_bench: %s\n", what.c_str());
  std::exit(1);
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Result {
  double train_s = 0;
  double all_reduce_s = 0;  // 0 for one rank
  double waited_s = 0;
};

// Runs bin/trainkit on a generated manifest and reads its "done" line (rank 0's, with --nproc).
Result run(const fs::path& dir, int iterations, int ranks, int threads) {
  const std::string name = "r" + std::to_string(ranks) + "t" + std::to_string(threads);
  const fs::path manifest = dir / (name + ".toml");
  std::ofstream(manifest) << "[trainer]\nout = \"out_" << name << "\"\nstop = \"" << iterations
                          << " iteration\"\nseed = 0\nthreads = " << threads
                          << "\n[model]\nbuiltin = \"mlp\"\nhidden = [256]\n[data]\nbatch_size = " << kBatch
                          << "\n[optimizer]\nname = \"sgd\"\nlr = 0.05\nmomentum = 0.9\n";
  fs::remove_all(dir / ("out_" + name));
  const std::string err_log = (dir / (name + ".err")).string();
  std::vector<std::string> args = {TK_TRAINKIT_BIN, "run", manifest.string()};
  if (ranks > 1) args.insert(args.end(), {"--nproc", std::to_string(ranks)});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  if (posix_spawn(&pid, TK_TRAINKIT_BIN, &actions, nullptr, argv.data(), environ) != 0) fail("cannot start trainkit");
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const std::string text = read_all(err_log);
  Result r;
  long long done = 0;
  size_t at = text.find("done: ");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || at == std::string::npos ||
      std::sscanf(text.c_str() + at, "done: %lld iterations in %lf s", &done, &r.train_s) != 2 || done != iterations)
    fail("trainkit run " + manifest.string() + " failed:\n" + text);
  size_t cost = text.find("gradient all-reduce ", at);
  long long updates = 0;
  if (cost != std::string::npos &&
      std::sscanf(text.c_str() + cost, "gradient all-reduce %lf s over %lld updates, %lf s", &r.all_reduce_s, &updates,
                  &r.waited_s) != 3)
    fail("cannot read the all-reduce cost in:\n" + text);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 400;
  const fs::path dir = argc > 2 ? argv[2] : TK_BENCH_DEFAULT_DIR;
  if (iterations < 1) fail("ITERATIONS must be >= 1");
  fs::create_directories(dir);
  std::printf("Fashion-MNIST MLP 784-256-10, batch %d per rank, %d updates, on this machine (%u cores)\n", kBatch,
              iterations, std::thread::hardware_concurrency());
  std::printf("%-22s %12s %10s %22s\n", "ranks x threads", "samples/s", "vs 1x1", "all-reduce (after bw)");
  double baseline = 0;
  for (auto [ranks, threads] : std::vector<std::pair<int, int>>{{1, 1}, {1, 2}, {2, 1}}) {
    Result r = run(dir, iterations, ranks, threads);
    const double samples = static_cast<double>(iterations) * kBatch * ranks / r.train_s;
    if (baseline == 0) baseline = samples;
    char share[64] = "-";
    if (ranks > 1)
      std::snprintf(share, sizeof share, "%.0f%% (%.0f%%)", 100 * r.all_reduce_s / r.train_s,
                    100 * r.waited_s / r.train_s);
    std::printf("%-22s %12.0f %9.2fx %22s\n", (std::to_string(ranks) + " x " + std::to_string(threads)).c_str(),
                samples, samples / baseline, share);
  }
  return 0;
}
