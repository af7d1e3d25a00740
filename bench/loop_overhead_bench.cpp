// loop_overhead_bench [ITERATIONS=3000] [REPEATS=3] [DIR=<build>/bench-tmp]
//
// What the trainkit host (plugin scheduler, observation, extensions) costs per iteration, against a bare
// LibTorch loop doing the same work in this process, both measured in this run (median of REPEATS):
//   bare      the loop below: TorchSession::step's work (MLP 784-256-10, Fashion-MNIST, batch 64, seeded
//             shuffle, Adam lr 1e-3, 1 thread) and nothing else
//   trainkit  bin/trainkit on generated manifests with the same settings: (1) no extensions; (2) the
//             reporting set log_report, print_report, observe_lr, progress_bar; (3) (2) + a snapshot every
//             epoch with the thread writer
//   python    the same loop in /usr/bin/python3 with Debian's torch (bench/python_loop.py), when it has torch;
//             both bare loops count their minor page faults per step (python_loop.py says why that matters)
// Training time is trainkit's own "done: N iterations in X s" (initialize to finalize, so a snapshot still
// being written is waited for); wall time adds process start, plugin loading and reading the data set.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
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
constexpr const char* kPython = "/usr/bin/python3";  // Debian's, with python3-torch

struct Times {
  double train_s = 0;  // the training loop only
  double wall_s = 0;   // including loading the data and building the model (bare) or the whole process
  double faults_per_step = -1;  // minor page faults per step of the loop (the bare loops; -1: not counted)
};

long minor_faults() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

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
  const long faults_start = minor_faults();
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
  t.faults_per_step = static_cast<double>(minor_faults() - faults_start) / static_cast<double>(iterations);
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

// Runs args[0] with stdout and stderr to files; its exit status and wall time.
int spawn(std::vector<std::string> args, const std::string& out_log, const std::string& err_log, double& wall_s) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) fail("cannot start " + args[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  wall_s = since(start);
  posix_spawn_file_actions_destroy(&actions);
  return status;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The same loop in Python (bench/python_loop.py); train_s < 0 when /usr/bin/python3 has no torch.
Times python_run(const std::string& dir, int64_t iterations) {
  Times t;
  int status = spawn({kPython, TK_PYTHON_LOOP, std::to_string(iterations)}, dir + "/python.stdout",
                     dir + "/python.stderr", t.wall_s);
  std::string text = file_text(dir + "/python.stdout");
  size_t at = text.find("train_s ");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || at == std::string::npos ||
      std::sscanf(text.c_str() + at, "train_s %lf", &t.train_s) != 1)
    fail("python loop failed; its stderr:\n" + file_text(dir + "/python.stderr"));
  at = text.find("faults_per_step ");
  if (at != std::string::npos) std::sscanf(text.c_str() + at, "faults_per_step %lf", &t.faults_per_step);
  return t;
}

bool python_has_torch() {
  double wall = 0;
  return spawn({kPython, "-c", "import torch"}, "/dev/null", "/dev/null", wall) == 0;
}

// One `trainkit run`; stdout (the report and progress bar) goes to a file, as in a logged job.
Times trainkit_run(const std::string& manifest, const std::string& out, int64_t iterations) {
  const std::string out_log = out + ".stdout", err_log = out + ".stderr";
  Times t;
  int status = spawn({TK_TRAINKIT_BIN, "run", manifest, "--out", out}, out_log, err_log, t.wall_s);
  std::string text = file_text(err_log);
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

  std::vector<std::string> names = {"bare LibTorch loop", "trainkit, no extensions", "trainkit + reporting",
                                    "trainkit + reporting + snapshot"};
  std::vector<std::function<Times(int)>> bodies = {[&](int) { return bare_loop(iterations); }};
  for (int level = 1; level <= 3; ++level) {
    const std::string manifest = dir + "/level" + std::to_string(level) + ".toml";
    std::ofstream(manifest) << manifest_text(iterations, level);
    bodies.push_back([&, level, manifest](int r) {
      return trainkit_run(manifest, dir + "/out" + std::to_string(level) + "-" + std::to_string(r), iterations);
    });
  }

  const bool with_python = python_has_torch();
  if (with_python) {
    names.push_back("bare Python loop");
    bodies.push_back([&](int) { return python_run(dir, iterations); });
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
  auto median_of = [&](const std::vector<Times>& times, double Times::*field) {
    std::vector<double> v;
    for (const Times& t : times) v.push_back(t.*field);
    return median(v);
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
    std::printf("%-32s %9.3f %6.1f%% %9.1f %9.1f %7.3f | %8.3f %9.3f\n", names[b].c_str(), median(train),
                (*hi - *lo) / median(train) * 100, us, us - base_us, us / base_us, median(wall), median(startup));
  }
  if (with_python) {
    std::vector<double> python;
    for (const Times& t : runs.back()) python.push_back(t.train_s);
    for (size_t b = 1; b <= 3; ++b) {
      std::vector<double> train;
      for (const Times& t : runs[b]) train.push_back(t.train_s);
      std::printf("%s / bare Python loop: %.3f\n", names[b].c_str(), median(train) / median(python));
    }
    std::printf("minor page faults per step (median): bare LibTorch loop %.1f, bare Python loop %.1f\n",
                median_of(runs.front(), &Times::faults_per_step), median_of(runs.back(), &Times::faults_per_step));
  } else {
    std::printf("bare Python loop: skipped (/usr/bin/python3 cannot import torch; apt-get install python3-torch)\n");
  }
  std::printf("ratio = us/iter / bare us/iter (differences inside the spread, (max - min) / median of the train "
              "times, are noise); trainkit train s = its \"done: ... in X s\" line; startup = wall - train (bare: "
              "reading the data and building the model in-process; trainkit: the whole process besides training)\n");
  fs::remove_all(dir);
  return 0;
}
