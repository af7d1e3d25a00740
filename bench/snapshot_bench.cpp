// snapshot_bench [SNAPSHOTS=6] [DIR=<build>/bench-tmp]
//
// What snapshots cost a real run, against what the same bytes cost without trainkit, measured in this run:
// bin/trainkit trains the MLP 784-2048-2048-10 with Adam (a 70 MB state) on Fashion-MNIST and takes
// SNAPSHOTS snapshots with each writer; the snapshot extension's --verbose lines (Note [Snapshot stall in the
// log]) give what each snapshot held the training thread for. Rows (median over the snapshots once the
// run's staging areas exist: after the first, or the first queue_size + 1 = 3 for the queue writers):
//   stall      capture + writer start of thread, process, thread_queue, process_queue  vs  memcpy of the
//              same bytes into warm memory (target <= 1.5); for the process writers also the capture
//              alone (their writer start is handing the copy to a writer process, for `process` after
//              posix_spawn of a new one) and the wait before the capture (the previous write's answer, or a
//              full queue; whatever the training thread does to take the previous snapshot back)
//   sync write the simple writer's whole write (visit, encode, write, fsync, rename)  vs  dd bs=1M
//              conv=fdatasync of as many bytes (throughput target >= 0.8)
//   torch      the simple writer with format = "torch"  vs  Python's torch.save + fsync of the same state
//              (bench/torch_save.py loads trainkit's torch file and saves it again; target >= 1)
//   load       read_archive (every checksum verified) of the snapshot  vs  read(2) of the same file into a
//              fresh buffer, cold page cache (target >= 0.8); and read_torch_file (CRC-32s verified) of the
//              torch-format snapshot against read(2) of that file
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "state/archive.h"
#include "torchfile/torch_format.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;

constexpr const char* kPython = "/usr/bin/python3";

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "snapshot_bench: %s\n", what.c_str());
  std::exit(1);
}

double seconds_of(const std::function<void()>& body) {
  auto start = std::chrono::steady_clock::now();
  body();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

int spawn(std::vector<std::string> args, const std::string& out_log, const std::string& err_log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) fail("cannot start " + args[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  posix_spawn_file_actions_destroy(&actions);
  return status;
}

struct Writer {
  std::string writer, format;
  int warm_up = 1;  // snapshots before the run's staging areas all exist (a queue holds queue_size + 1)
};

struct RunResult {
  std::vector<double> stalls;  // per snapshot: capture + start (background) or the whole write (simple)
  std::vector<double> captures;  // per snapshot: the capture alone (background)
  std::vector<double> waits;   // per snapshot: waiting for the previous write (background)
  std::string last_file;       // the newest snapshot it wrote
};

std::string manifest_text(const Writer& w, int snapshots) {
  std::ostringstream m;
  // Two iterations between snapshots: training goes on while the previous one is written.
  m << "[trainer]\nstop = \"" << 2 * snapshots << " iteration\"\nseed = 0\nthreads = 1\n\n"
    << "[model]\nbuiltin = \"mlp\"\nhidden = [2048, 2048]\n\n"
    << "[data]\nformat = \"idx\"\nroot = \"/usr/share/datasets/fashion-mnist\"\ntrain = \"train\"\n"
    << "validation = \"\"\nbatch_size = 64\nshuffle = true\n\n"
    << "[optimizer]\nname = \"adam\"\nlr = 0.001\n\n[loss]\nname = \"cross_entropy\"\n\n"
    << "[[extension]]\nuse = \"snapshot\"\ntrigger = \"2 iteration\"\nwriter = \"" << w.writer << "\"\n"
    << "format = \"" << w.format << "\"\n";
  return m.str();
}

// One trainkit run; the stall of each snapshot from its "stall for NAME: ..." debug lines.
RunResult run_trainkit(const std::string& dir, const Writer& w, int snapshots) {
  const std::string tag = w.writer + "-" + w.format;
  const std::string manifest = dir + "/" + tag + ".toml", out = dir + "/out-" + tag;
  std::ofstream(manifest) << manifest_text(w, snapshots);
  fs::remove_all(out);
  int status = spawn({TK_TRAINKIT_BIN, "run", manifest, "--out", out, "--verbose"}, out + ".stdout", out + ".stderr");
  std::string log = file_text(out + ".stderr");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("trainkit run " + manifest + " failed:\n" + log);
  RunResult r;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    size_t at = line.find("stall for ");
    if (at == std::string::npos) continue;
    char name[256];
    double wait = 0, capture = 0, start = 0, write = 0;
    if (std::sscanf(line.c_str() + at, "stall for %255[^:]: wait %lf s, capture %lf s, writer start %lf s", name, &wait,
                    &capture, &start) == 4) {
      r.stalls.push_back(capture + start);
      r.captures.push_back(capture);
      r.waits.push_back(wait);
    } else if (std::sscanf(line.c_str() + at, "stall for %255[^:]: write %lf s", name, &write) == 2) {
      r.stalls.push_back(write);
    } else {
      continue;
    }
    r.last_file = out + "/" + name;
  }
  if (static_cast<int>(r.stalls.size()) != snapshots) fail("expected " + std::to_string(snapshots) + " stall lines in:\n" + log);
  return r;
}

// The median after the warm-up snapshots (they map new staging memory), if any are left.
double steady(const std::vector<double>& v, int warm_up) {
  return median(static_cast<int>(v.size()) > warm_up ? std::vector<double>(v.begin() + warm_up, v.end()) : v);
}

uint64_t file_size(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail("cannot stat " + path);
  return static_cast<uint64_t>(st.st_size);
}

void drop_from_page_cache(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) fail("cannot open " + path);
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

size_t raw_read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open " + path);
  size_t size = static_cast<size_t>(file_size(path));
  std::unique_ptr<char[]> buffer(new char[size]);
  for (size_t done = 0; done < size;) {
    ssize_t n = ::read(fd, buffer.get() + done, std::min<size_t>(size - done, 16 << 20));
    if (n <= 0) fail("cannot read " + path);
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return size;
}

void print_row(const char* what, const std::string& base_name, double base, const std::string& ours_name, double ours,
               double ratio, const char* target) {
  std::printf("%-30s %-34s %8.4f s | %-30s %8.4f s | %6.2f  %s\n", what, base_name.c_str(), base, ours_name.c_str(), ours,
              ratio, target);
}

}  // namespace

int main(int argc, char** argv) {
  const int snapshots = argc > 1 ? std::atoi(argv[1]) : 6;
  const std::string parent = argc > 2 && argv[2][0] != '\0' ? argv[2] : TK_BENCH_DEFAULT_DIR;
  if (snapshots < 4) fail("usage: snapshot_bench [SNAPSHOTS=6 (at least 4)] [DIR]");
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) {  // as loop_overhead_bench: one BLAS thread, for real
    ::setenv("OPENBLAS_NUM_THREADS", "1", 1);
    ::execv("/proc/self/exe", argv);
    fail("cannot restart with OPENBLAS_NUM_THREADS=1");
  }
  fs::create_directories(parent);
  std::string dir_template = parent + "/snapshot_bench.XXXXXX";
  if (::mkdtemp(dir_template.data()) == nullptr) fail("cannot create a folder in " + parent);
  const std::string dir = dir_template;

  const std::vector<Writer> writers = {{"simple", "trainkit"},         {"thread", "trainkit"},
                                       {"process", "trainkit"},        {"thread_queue", "trainkit", 3},
                                       {"process_queue", "trainkit", 3}, {"simple", "torch"},
                                       {"thread", "torch"}};
  // The baselines are measured between the trainkit runs (memcpy and dd after each), so that a machine
  // whose load changes meanwhile slows both sides alike.
  std::vector<RunResult> results;
  std::vector<double> copies, dds;
  std::vector<char> source, target;
  const std::string dd_in = dir + "/dd.in", dd_out = dir + "/dd.out";
  for (const Writer& w : writers) {
    results.push_back(run_trainkit(dir, w, snapshots));
    const uint64_t bytes = file_size(results[0].last_file);
    if (source.empty()) {
      source.assign(bytes, 1);
      target.assign(bytes, 2);
      std::ofstream(dd_in, std::ios::binary).write(source.data(), static_cast<std::streamsize>(bytes));
    }
    // memcpy of the snapshot's bytes into memory written before (warm), as a reused staging area is.
    for (int i = 0; i < 3; ++i) copies.push_back(seconds_of([&] { std::memcpy(target.data(), source.data(), bytes); }));
    // dd of the same number of bytes, from a file in the page cache to a new file on the same disk. A new
    // name each time, older files kept, as the snapshots are: a file removed just before would hand its
    // page-cache pages to the next write warm, and no snapshot write gets that.
    const std::string out_file = dd_out + "." + std::to_string(results.size());
    ::sync();
    dds.push_back(seconds_of([&] {
      int status = spawn({"dd", "if=" + dd_in, "of=" + out_file, "bs=1M", "conv=fdatasync"}, "/dev/null", dir + "/dd.err");
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("dd failed: " + file_text(dir + "/dd.err"));
    }));
  }
  const std::string archive = results[0].last_file, torch_file = results[5].last_file;
  const uint64_t bytes = file_size(archive);
  const double memcpy_s = median(copies), dd_s = median(dds);

  // Python's torch.save + fsync of the very state trainkit wrote in the torch format.
  double python_s = -1;
  if (spawn({kPython, "-c", "import torch"}, "/dev/null", "/dev/null") == 0) {
    int status = spawn({kPython, TK_TORCH_SAVE_PY, torch_file, dir + "/python.pt", "5"}, dir + "/python.out",
                       dir + "/python.err");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("torch_save.py failed: " + file_text(dir + "/python.err"));
    std::vector<double> saves;
    std::istringstream lines(file_text(dir + "/python.out"));
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("save_s ", 0) == 0) saves.push_back(std::atof(line.c_str() + 7));
    python_s = median(saves);
  }

  // Load with every checksum verified, against read(2) of the same file; cold page cache, interleaved.
  std::vector<double> raw_reads, loads;
  for (int i = 0; i < 5; ++i) {
    drop_from_page_cache(archive);
    raw_reads.push_back(seconds_of([&] { raw_read(archive); }));
    drop_from_page_cache(archive);
    loads.push_back(seconds_of([&] { trainkit::state::read_archive(archive); }));
  }
  const double raw_read_s = median(raw_reads), load_s = median(loads);
  std::vector<double> torch_raw_reads, torch_loads;
  for (int i = 0; i < 5; ++i) {
    drop_from_page_cache(torch_file);
    torch_raw_reads.push_back(seconds_of([&] { raw_read(torch_file); }));
    drop_from_page_cache(torch_file);
    torch_loads.push_back(seconds_of([&] { trainkit::torchfile::read_torch_file(torch_file); }));
  }

  std::printf("snapshot_bench: MLP 784-2048-2048-10 + Adam, %llu-byte snapshot (%.1f MB), %d snapshots per writer; "
              "medians; stalls once the staging areas exist\n",
              static_cast<unsigned long long>(bytes), static_cast<double>(bytes) / 1e6, snapshots);
  std::printf("%-30s %-34s %10s | %-30s %10s | %6s\n", "", "baseline", "time", "trainkit", "time", "ratio");
  const std::string memcpy_name = "memcpy into warm memory";
  for (size_t i : {1, 2, 3, 4, 6}) {
    const std::string what = "stall, " + writers[i].writer + (writers[i].format == "torch" ? ", torch format" : "");
    double stall = steady(results[i].stalls, writers[i].warm_up);
    print_row(what.c_str(), memcpy_name, memcpy_s, "capture + writer start", stall, stall / memcpy_s,
              "(time ratio; target <= 1.5)");
    if (writers[i].writer.rfind("process", 0) == 0) {
      double capture = steady(results[i].captures, writers[i].warm_up);
      print_row(("  " + writers[i].writer + ": capture alone").c_str(), memcpy_name, memcpy_s, "capture", capture,
                capture / memcpy_s, "(time ratio; the rest is the writer start)");
      double wait = steady(results[i].waits, writers[i].warm_up);
      print_row(("  " + writers[i].writer + ": wait").c_str(), memcpy_name, memcpy_s, "wait for the previous write",
                wait, wait / memcpy_s, "(time ratio; before the capture, not in the stall above)");
    }
  }
  const double sync_s = steady(results[0].stalls, 1);
  print_row("sync write, simple", "dd bs=1M conv=fdatasync", dd_s, "simple writer, whole write", sync_s, dd_s / sync_s,
            "(throughput ratio; target >= 0.8)");
  const double torch_s = steady(results[5].stalls, 1);
  if (python_s > 0)
    print_row("sync write, torch format", "Python torch.save + fsync", python_s, "simple writer, format torch", torch_s,
              python_s / torch_s, "(throughput ratio; target >= 1)");
  else
    std::printf("sync write, torch format: no Python baseline (/usr/bin/python3 cannot import torch)\n");
  print_row("load, cold cache", "read(2) into a fresh buffer", raw_read_s, "read_archive (verified)", load_s,
            raw_read_s / load_s, "(throughput ratio; target >= 0.8)");
  const double torch_raw_s = median(torch_raw_reads), torch_load_s = median(torch_loads);
  print_row("load, cold cache, torch format", "read(2) into a fresh buffer", torch_raw_s, "read_torch_file (verified)",
            torch_load_s, torch_raw_s / torch_load_s, "(throughput ratio)");
  double most_waited = 0;
  for (size_t i = 1; i < results.size(); ++i)
    for (double w : results[i].waits) most_waited = std::max(most_waited, w);
  std::printf("longest wait for a previous write (a busy writer, logged as info): %.4f s\n", most_waited);
  fs::remove_all(dir);
  return 0;
}
