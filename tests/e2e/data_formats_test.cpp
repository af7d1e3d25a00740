// Every [data] format through `trainkit run`, on files each test writes itself: a tiny learnable task of
// 96 examples, image [1, 4, 4] with a bright pixel whose place is the class (3 classes), label int64.
// Also: validation_split, the class map in out/, a bad file refused at the manifest's place, and prefetch
// (same log with and without it; bit-exact resume after kill -9 with it, accumulation and clipping on).
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "e2e_support.h"
#include "same_state.h"
#include "state/archive.h"

using namespace tk_test;
using Catch::Contains;

namespace {

constexpr int kExamples = 96;
constexpr int kClasses = 3;

float pixel(int example, int p) { return p == 5 * (example % kClasses) ? 1.0f : 0.1f * static_cast<float>(p % 3); }

std::string manifest(const std::string& data, const std::string& stop = "2 epoch") {
  return "[trainer]\nout = \"result\"\nstop = \"" + stop + "\"\nseed = 3\nthreads = 1\n"
         "[model]\nbuiltin = \"mlp\"\nhidden = [16]\n"
         "[optimizer]\nname = \"sgd\"\nlr = 0.1\n"
         "[[extension]]\nuse = \"evaluator\"\n"
         "[[extension]]\nuse = \"log_report\"\n"
         "[data]\nbatch_size = 16\n" + data;
}

void write_bytes(const std::string& path, const std::string& header, const void* data, size_t n) {
  std::ofstream out(path, std::ios::binary);
  out << header;
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
}

// NumPy's .npy format 1.0 with a header padded to 64 bytes, as np.save writes it.
void write_npy(const std::string& path, const std::string& descr, const std::string& shape, const void* data, size_t n) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  const std::string prefix = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size() & 0xff) +
                             static_cast<char>(header.size() >> 8);
  write_bytes(path, prefix + header, data, n);
}

void write_npy_split(const std::string& dir, int first, int count) {
  std::filesystem::create_directories(dir);
  std::vector<float> images;
  std::vector<int64_t> labels;
  for (int i = first; i < first + count; ++i) {
    for (int p = 0; p < 16; ++p) images.push_back(pixel(i, p));
    labels.push_back(i % kClasses);
  }
  const std::string n = std::to_string(count);
  write_npy(dir + "/image.npy", "<f4", "(" + n + ", 1, 4, 4)", images.data(), images.size() * 4);
  write_npy(dir + "/label.npy", "<i8", "(" + n + ",)", labels.data(), labels.size() * 8);
}

// The same task written by Python: `save` is the statement that writes x (images) and y (labels) to path.
void write_with_python(const TempDir& dir, const std::string& save) {
  write_file(dir.file("make.py"),
             "import sys, numpy as np, torch\n"
             "i = np.arange(" + std::to_string(kExamples) + ")\n"
             "p = np.arange(16)\n"
             "x = np.where(p[None, :] == 5 * (i[:, None] % 3), 1.0, 0.1 * (p[None, :] % 3)).astype(np.float32)\n"
             "x = x.reshape(-1, 1, 4, 4)\n"
             "y = (i % 3).astype(np.int64)\n"
             "path = sys.argv[1]\n" + save + "\n");
  auto r = run_process({"/usr/bin/python3", dir.file("make.py"), dir.file("train.data")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

// The iteration of the newest snapshot in `dir`, 0 when there is none.
int64_t newest_snapshot(const std::string& dir) {
  int64_t newest = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("snapshot_iter_", 0) == 0) newest = std::max<int64_t>(newest, std::stoll(name.substr(14)));
  }
  return newest;
}

// Runs the manifest and checks that the task was learnt and validated; `train` examples are trained on
// (fewer than written with a validation_split).
nlohmann::json run_and_check(const TempDir& dir, const std::string& data, int train = kExamples) {
  write_file(dir.file("m.toml"), manifest(data));
  auto r = run_trainkit({"run", dir.file("m.toml")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto log = read_json(dir.file("result/log"));
  REQUIRE(log.size() == 2);
  CHECK(log[1]["iteration"] == 2 * ((train + 15) / 16));  // batch 16, two epochs
  CHECK(log[1]["main/loss"].get<double>() < log[0]["main/loss"].get<double>() + 1e-9);
  CHECK(log[1].contains("validation/main/accuracy"));
  return log;
}

}  // namespace

TEST_CASE("format npy: a folder of .npy files, with a separate validation folder") {
  TempDir dir;
  write_npy_split(dir.file("train"), 0, kExamples);
  write_npy_split(dir.file("val"), kExamples, 30);
  run_and_check(dir, "format = \"npy\"\ntrain = \"train\"\nvalidation = \"val\"\n");
}

TEST_CASE("format npy with validation_split: a seeded fraction of train validates") {
  TempDir dir;
  write_npy_split(dir.file("all"), 0, kExamples + 24);
  write_file(dir.file("m.toml"), manifest("format = \"npy\"\ntrain = \"all\"\nvalidation_split = 0.2\n", "1 epoch"));
  auto r = run_trainkit({"run", dir.file("m.toml")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("96 train / 24 validation examples"));
}

TEST_CASE("format tensors: a dict of tensors written by torch.save", "[python]") {
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  write_with_python(dir, "torch.save({'image': torch.from_numpy(x), 'label': torch.from_numpy(y)}, path)");
  run_and_check(dir, "format = \"tensors\"\ntrain = \"train.data\"\nvalidation = \"train.data\"\n");
}

TEST_CASE("format tensors: a sound file of something else is exit 2 saying what it holds", "[python]") {
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  write_with_python(dir, "torch.save([torch.from_numpy(x), torch.from_numpy(y)], path)");
  write_file(dir.file("m.toml"), manifest("format = \"tensors\"\ntrain = \"train.data\"\n"));
  auto r = run_trainkit({"run", dir.file("m.toml")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("data.train: ") && Contains("holds a list of 2 items; the tensors format reads a flat dict"));
  CHECK_THAT(r.err, !Contains("cannot read as a torch file"));
}

TEST_CASE("format npz: np.savez_compressed arrays by name", "[python]") {
  TK_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  write_with_python(dir, "np.savez_compressed(open(path, 'wb'), image=x, label=y)");
  run_and_check(dir, "format = \"npz\"\ntrain = \"train.data\"\nvalidation = \"train.data\"\n");
}

TEST_CASE("format csv: columns shaped into an image, string labels as classes written to out/") {
  TempDir dir;
  std::string text = "kind";
  for (int p = 0; p < 16; ++p) text += ",p" + std::to_string(p);
  text += "\n";
  const char* names[] = {"circle", "square", "triangle"};
  for (int i = 0; i < kExamples; ++i) {
    text += names[i % kClasses];
    for (int p = 0; p < 16; ++p) text += "," + std::to_string(pixel(i, p));
    text += "\n";
  }
  write_file(dir.file("train.csv"), text);
  std::string columns;
  for (int p = 0; p < 16; ++p) columns += std::string(p ? ", " : "") + "\"p" + std::to_string(p) + "\"";
  run_and_check(dir, "format = \"csv\"\ntrain = \"train.csv\"\nvalidation = \"train.csv\"\n"
                     "[data.fields]\nlabel = \"kind\"\nimage = { columns = [" + columns + "], shape = [1, 4, 4] }\n");
  CHECK(read_json(dir.file("result/classes_label.json")) == nlohmann::json({"circle", "square", "triangle"}));
}

TEST_CASE("format image_folder: root/<class>/<image>, gray, resized") {
  TempDir dir;
  const char* classes[] = {"a", "b", "c"};
  for (int i = 0; i < kExamples; ++i) {
    const std::string folder = dir.file(std::string("images/") + classes[i % kClasses]);
    std::filesystem::create_directories(folder);
    std::vector<uint8_t> gray(64);  // 8x8, so size = [4, 4] really resizes
    for (int r = 0; r < 8; ++r)
      for (int c = 0; c < 8; ++c) gray[static_cast<size_t>(r * 8 + c)] = static_cast<uint8_t>(255 * pixel(i, (r / 2) * 4 + c / 2));
    write_bytes(folder + "/" + std::to_string(i) + ".pgm", "P5\n8 8\n255\n", gray.data(), gray.size());
  }
  run_and_check(dir, "format = \"image_folder\"\ntrain = \"images\"\nvalidation_split = 0.25\nsize = [4, 4]\nchannels = 1\n",
                kExamples * 3 / 4);
  CHECK(read_json(dir.file("result/classes_label.json")) == nlohmann::json({"a", "b", "c"}));
}

TEST_CASE("a bad data file is exit 2 naming the manifest place, the key, the file and the field") {
  TempDir dir;
  write_npy_split(dir.file("train"), 0, kExamples);
  std::vector<int64_t> short_labels(10, 0);
  write_npy(dir.file("train/label.npy"), "<i8", "(10,)", short_labels.data(), 80);
  write_file(dir.file("m.toml"), manifest("format = \"npy\"\ntrain = \"train\"\n"));
  auto r = run_trainkit({"run", dir.file("m.toml")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("m.toml:") && Contains("data.train: ") && Contains(dir.file("train")) &&
                        Contains("field \"label\" has 10 examples but field \"image\" has 96"));
}

TEST_CASE("prefetch changes nothing: the same log with prefetch = 0 and prefetch = 8") {
  TempDir off, on;
  write_npy_split(off.file("train"), 0, kExamples);
  write_npy_split(on.file("train"), 0, kExamples);
  const auto a = run_and_check(off, "format = \"npy\"\ntrain = \"train\"\nvalidation_split = 0.25\nprefetch = 0\n", kExamples * 3 / 4);
  const auto b = run_and_check(on, "format = \"npy\"\ntrain = \"train\"\nvalidation_split = 0.25\nprefetch = 8\n", kExamples * 3 / 4);
  CHECK(without_time(a) == without_time(b));
}

TEST_CASE("kill -9 and --resume with prefetch, accumulation and clipping on continue bit-exactly", "[crash]") {
  TempDir straight, crashed;
  const std::string data = "format = \"npy\"\ntrain = \"train\"\nvalidation = \"train\"\nprefetch = 4\n";
  const std::string extensions = "[[extension]]\nuse = \"snapshot\"\ntrigger = \"5 iteration\"\nn_retains = 2\n";
  // 6 batches an epoch, 3 per update: 2 iterations an epoch, 300 in all.
  std::string m = manifest(data, "150 epoch") + extensions;
  m.replace(m.find("threads = 1\n"), 12, "threads = 1\naccumulate = 3\nclip_grad_norm = 0.05\n");
  for (const TempDir* d : {&straight, &crashed}) {
    write_npy_split(d->file("train"), 0, kExamples);
    write_file(d->file("m.toml"), m);
  }
  auto reference = run_trainkit({"run", straight.file("m.toml")});
  INFO(reference.err);
  REQUIRE(reference.exit_code == 0);
  // Each of three runs is killed once it has written a snapshot beyond the one it resumed from, so every
  // kill lands mid-training; the fourth runs to the end.
  int exit_code = -1, kills = 0;
  for (int attempt = 0; attempt < 4 && exit_code != 0; ++attempt) {
    const int64_t before = newest_snapshot(crashed.file("result"));
    const int pid = start_process({TK_TRAINKIT_BIN, "run", crashed.file("m.toml"), "--resume"}, crashed.file("out"),
                                  crashed.file("err"));
    if (attempt < 3) {
      for (int waited = 0; waited < 600 && newest_snapshot(crashed.file("result")) <= before; ++waited)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
      ::kill(pid, SIGKILL);
    }
    exit_code = wait_process(pid);
    if (exit_code == 128 + SIGKILL) ++kills;
  }
  INFO(read_file(crashed.file("err")));
  REQUIRE(exit_code == 0);
  CHECK(kills >= 1);
  const auto a = trainkit::state::read_archive(straight.file("result/snapshot_iter_300"));
  const auto b = trainkit::state::read_archive(crashed.file("result/snapshot_iter_300"));
  check_same_leaves(a, b);
  CHECK(without_time(read_json(straight.file("result/log"))) == without_time(read_json(crashed.file("result/log"))));
}
