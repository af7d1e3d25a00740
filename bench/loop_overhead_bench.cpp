// loop_overhead_bench [ITERATIONS=3000] [REPEATS=3] [DIR=<build>/bench-tmp]
//
// What the trainkit host (plugin scheduler, observation, extensions) costs per iteration, against a bare
// LibTorch loop doing the same work in this process, both measured in this run (median of REPEATS):
//   bare      the loop below: TorchSession::step's work (MLP 784-256-10, Fashion-MNIST, batch 64, seeded
//             shuffle, Adam lr 1e-3, 1 thread) and nothing else
//   trainkit  bin/trainkit on generated manifests with the same settings: (1) no extensions; (2) the
//             reporting set log_report, print_report, observe_lr, progress_bar; (3) (2) + a snapshot every
//             epoch with the thread writer
// Training time is trainkit's own "done: N iterations in X s" (initialize to finalize, so a snapshot still
// being written is waited for); wall time adds process start, plugin loading and reading the data set.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "data/idx.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;

constexpr const char* kDataRoot = "/usr/share/datasets/fashion-mnist";
constexpr int64_t kBatch = 64;
constexpr uint64_t kSeed = 0;

struct Times {
  double train_s = 0;  // the training loop only
  double wall_s = 0;   // including loading the data and building the model (bare) or the whole process
};

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "loop_overhead_bench: %s\n", what.c_str());
  std::exit(1);
}

// The baseline. Each step does exactly what TorchSession::step does, written as a user of LibTorch would,
// so the difference to trainkit is the host around the step (and the session's generator swap).
Times bare_loop(int64_t iterations) {
  auto start = std::chrono::steady_clock::now();
  trainkit::data::IdxSplit raw = trainkit::data::load_idx_split(kDataRoot, "train");
  // uint8 in memory, float per batch: the session's choice, and a quarter of the memory traffic.
  at::Tensor images = torch::from_blob(raw.images.data(), {raw.count, 1, raw.rows, raw.cols}, torch::kByte).clone();
  at::Tensor labels = torch::from_blob(raw.labels.data(), {raw.count}, torch::kByte).to(torch::kLong);
  torch::manual_seed(kSeed);  // trainkit initialises the model from a default generator seeded with trainer.seed
  // push_back, not Sequential(a, b, ...): constructor arguments are built in an unspecified order (GCC: last
  // first), which would draw the layers' initial weights in another order than trainkit's make_mlp.
  torch::nn::Sequential net;
  net->push_back(torch::nn::Flatten());
  net->push_back(torch::nn::Linear(raw.rows * raw.cols, 256));
  net->push_back(torch::nn::ReLU());
  net->push_back(torch::nn::Linear(256, 10));
  std::vector<at::Tensor> params = net->parameters();
  torch::optim::Adam adam(params, torch::optim::AdamOptions(1e-3));
  at::Generator order_gen = at::detail::createCPUGenerator(kSeed);  // the epoch order's own generator
  at::Tensor order;
  int64_t position = raw.count;

  auto train_start = std::chrono::steady_clock::now();
  for (int64_t it = 0; it < iterations; ++it) {
    if (position >= raw.count) {  // a new epoch: a new permutation; the last batch of an epoch is partial
      order = torch::randperm(raw.count, order_gen, torch::kLong);
      position = 0;
    }
    const int64_t size = std::min(kBatch, raw.count - position);
    const at::Tensor index = order.narrow(0, position, size);
    position += size;
    const at::Tensor x = images.index_select(0, index).to(torch::kFloat).div_(255);
    const at::Tensor y = labels.index_select(0, index);
    for (at::Tensor& p : params) p.mutable_grad().reset();  // set_to_none, as the session does
    const at::Tensor logits = net->forward(x);
    const at::Tensor loss = torch::nn::functional::cross_entropy(logits, y);
    loss.backward();
    adam.step();
    // The session reports main/loss and main/accuracy every step: two host syncs, done here too.
    volatile double loss_value = loss.item<double>();
    volatile int64_t correct = logits.detach().argmax(1).eq(y).sum().item<int64_t>();
    (void)loss_value;
    (void)correct;
  }
  Times t;
  t.train_s = since(train_start);
  t.wall_s = since(start);
  return t;
}

std::string manifest_text(int64_t iterations, int level) {
  std::ostringstream m;
  m << "[trainer]\nstop = \"" << iterations << " iteration\"\nseed = " << kSeed << "\nthreads = 1\n\n"
    << "[model]\nbuiltin = \"mlp\"\nhidden = [256]\n\n"
    // No validation split: no evaluator runs, and loading t10k would only lengthen startup.
    << "[data]\nformat = \"idx\"\nroot = \"" << kDataRoot << "\"\ntrain = \"train\"\nvalidation = \"\"\n"
    << "batch_size = " << kBatch << "\nshuffle = true\n\n"
    << "[optimizer]\nname = \"adam\"\nlr = 0.001\n\n[loss]\nname = \"cross_entropy\"\n";
  if (level >= 2)
    m << "\n[[extension]]\nuse = \"log_report\"\ntrigger = \"1 epoch\"\n"
      << "\n[[extension]]\nuse = \"print_report\"\n"
      << "\n[[extension]]\nuse = \"observe_lr\"\ntrigger = \"1 iteration\"\n"
      << "\n[[extension]]\nuse = \"progress_bar\"\n";
  if (level >= 3) m << "\n[[extension]]\nuse = \"snapshot\"\ntrigger = \"1 epoch\"\nwriter = \"thread\"\n";
  return m.str();
}

// One `trainkit run`; stdout (the report and progress bar) goes to a file, as in a logged job.
Times trainkit_run(const std::string& manifest, const std::string& out, int64_t iterations) {
  const std::string out_log = out + ".stdout", err_log = out + ".stderr";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> args = {TK_TRAINKIT_BIN, "run", manifest, "--out", out};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, TK_TRAINKIT_BIN, &actions, nullptr, argv.data(), environ) != 0) fail("cannot start trainkit");
  int status = 0;
  ::waitpid(pid, &status, 0);
  Times t;
  t.wall_s = since(start);
  posix_spawn_file_actions_destroy(&actions);

  std::ifstream err(err_log);
  std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  long long done = -1;
  size_t at = text.find("done: ");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || at == std::string::npos ||
      std::sscanf(text.c_str() + at, "done: %lld iterations in %lf s", &done, &t.train_s) != 2 || done != iterations)
    fail("trainkit run " + manifest + " failed or printed no \"done: " + std::to_string(iterations) +
         " iterations\" line; its stderr:\n" + text);
  fs::remove_all(out);  // untimed; every run starts from an empty out folder
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t iterations = argc > 1 ? std::atoll(argv[1]) : 3000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  const std::string parent = argc > 3 && argv[3][0] != '\0' ? argv[3] : TK_BENCH_DEFAULT_DIR;
  if (iterations < 1 || repeats < 1) {
    std::fprintf(stderr, "usage: %s [ITERATIONS=3000] [REPEATS=3] [DIR]\n", argv[0]);
    return 2;
  }
  // Debian's OpenBLAS (pthread build) runs its own worker threads whatever torch::set_num_threads says, and
  // reads this only when it is loaded: set it, then restart, so this loop and the trainkit children alike
  // really run on one thread (its spinning worker otherwise doubles the times on a busy machine).
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) {
    ::setenv("OPENBLAS_NUM_THREADS", "1", 1);
    ::execv("/proc/self/exe", argv);
    fail("cannot restart with OPENBLAS_NUM_THREADS=1");
  }
  torch::set_num_threads(1);  // trainer.threads = 1 does the same in trainkit
  fs::create_directories(parent);
  std::string dir_template = parent + "/loop_overhead.XXXXXX";
  if (::mkdtemp(dir_template.data()) == nullptr) fail("cannot create a folder in " + parent);
  const std::string dir = dir_template;

  const char* names[] = {"bare LibTorch loop", "trainkit, no extensions", "trainkit + reporting",
                         "trainkit + reporting + snapshot"};
  std::vector<std::function<Times(int)>> bodies = {[&](int) { return bare_loop(iterations); }};
  for (int level = 1; level <= 3; ++level) {
    const std::string manifest = dir + "/level" + std::to_string(level) + ".toml";
    std::ofstream(manifest) << manifest_text(iterations, level);
    bodies.push_back([&, level, manifest](int r) {
      return trainkit_run(manifest, dir + "/out" + std::to_string(level) + "-" + std::to_string(r), iterations);
    });
  }

  // The bodies take turns within each repeat and the first one rotates, so a noisy neighbour slows the
  // baseline and trainkit alike.
  std::vector<std::vector<Times>> runs(bodies.size());
  for (int r = 0; r < repeats; ++r)
    for (size_t k = 0; k < bodies.size(); ++k) {
      size_t b = (k + static_cast<size_t>(r)) % bodies.size();
      runs[b].push_back(bodies[b](r));
    }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };

  std::printf("loop_overhead_bench: %lld iterations of MLP 784-256-10 on Fashion-MNIST, batch %lld, Adam, 1 "
              "thread (OPENBLAS_NUM_THREADS=%s); median of %d\n",
              static_cast<long long>(iterations), static_cast<long long>(kBatch),
              std::getenv("OPENBLAS_NUM_THREADS"), repeats);
  std::printf("%-32s %9s %7s %9s %9s %7s | %8s %9s\n", "", "train s", "spread", "us/iter", "+us/iter", "ratio",
              "wall s", "startup s");
  double base_us = 0;
  for (size_t b = 0; b < bodies.size(); ++b) {
    std::vector<double> train, wall, startup;
    for (const Times& t : runs[b]) {
      train.push_back(t.train_s);
      wall.push_back(t.wall_s);
      startup.push_back(t.wall_s - t.train_s);
    }
    const double us = median(train) / static_cast<double>(iterations) * 1e6;
    if (b == 0) base_us = us;
    const auto [lo, hi] = std::minmax_element(train.begin(), train.end());
    std::printf("%-32s %9.3f %6.1f%% %9.1f %9.1f %7.3f | %8.3f %9.3f\n", names[b], median(train),
                (*hi - *lo) / median(train) * 100, us, us - base_us, us / base_us, median(wall), median(startup));
  }
  std::printf("ratio = us/iter / bare us/iter (differences inside the spread, (max - min) / median of the train "
              "times, are noise); trainkit train s = its \"done: ... in X s\" line; startup = wall - train (bare: "
              "reading the data and building the model in-process; trainkit: the whole process besides training)\n");
  fs::remove_all(dir);
  return 0;
}
