// The writer process: a staged capture written by trainkit-snapshot-writer from the shared staging memory is
// byte for byte the file the host's own writer makes, in both formats; failures and a killed writer come
// back as answers; a request never reaches outside the staging memory.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/mman.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "process.h"
#include "snapshot_writer/request.h"
#include "snapshot_writer/write_staged.h"
#include "snapshot_writer/writer_process.h"
#include "state/archive.h"
#include "state_test_support.h"

using namespace trainkit;
using namespace trainkit::testing;
using Catch::Matchers::Contains;

namespace {

// Leaves of every type the torch format takes; 2 MiB of tensor, so the area grows past its first mapping.
state::MemoryTree big_tree(float start) {
  state::MemoryTree tree;
  tree.leaves["model/big"] = float_tensor({512, 1024}, start);
  tree.leaves["model/bias"] = float_tensor({7}, -start);
  tree.leaves["trainer/iteration"] = int64_t{42};
  tree.leaves["trainer/elapsed"] = 1.5;
  tree.leaves["trainer/done"] = true;
  tree.leaves["meta/name"] = std::string("mlp");
  return tree;
}

// The names in dir, hidden ones (temp files) included, sorted.
std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("the writer process writes the same bytes as the host's writer, in both formats", "[snapshot_writer]") {
  tk_test::TempDir dir;
  auto pool = state::StagingPool::create();
  const std::string format = GENERATE(as<std::string>{}, "trainkit", "torch");
  INFO("format = " << format);
  state::StagedTree staged = capture(pool, big_tree(1.0f));
  snapshot_writer::WriterProcess writer(TK_SNAPSHOT_WRITER_BIN);
  writer.send(staged, format, dir.file("by_process"));
  CHECK(writer.result() == "");
  snapshot_writer::write_staged_tree(staged, format, dir.file("in_process"));
  CHECK(read_bytes(dir.file("by_process")) == read_bytes(dir.file("in_process")));
  CHECK(names_in(dir.path()) == std::vector<std::string>{"by_process", "in_process"});  // no temp file left
}

TEST_CASE("one writer process answers several requests in order, each from its own staging area", "[snapshot_writer]") {
  tk_test::TempDir dir;
  auto pool = state::StagingPool::create();
  state::StagedTree first = capture(pool, big_tree(1.0f));
  state::StagedTree second = capture(pool, big_tree(-3.0f));
  REQUIRE(first.memory.area().fd() != second.memory.area().fd());
  snapshot_writer::WriterProcess writer(TK_SNAPSHOT_WRITER_BIN);
  writer.send(first, "trainkit", dir.file("first"));
  writer.send(second, "trainkit", dir.file("second"));
  writer.send(first, "trainkit", dir.file("missing/folder/third"));  // fails: the answer says why, the process goes on
  writer.send(second, "trainkit", dir.file("fourth"));
  CHECK(writer.result() == "");
  CHECK(writer.result() == "");
  CHECK_THAT(writer.result(), Contains("missing/folder"));
  CHECK(writer.result() == "");
  CHECK(same_tree(state::read_archive(dir.file("first")), big_tree(1.0f)));
  CHECK(same_tree(state::read_archive(dir.file("second")), big_tree(-3.0f)));
  CHECK(same_tree(state::read_archive(dir.file("fourth")), big_tree(-3.0f)));
}

TEST_CASE("a killed writer process is an answer, and every later call says so", "[snapshot_writer]") {
  tk_test::TempDir dir;
  auto pool = state::StagingPool::create();
  state::StagedTree staged = capture(pool, big_tree(1.0f));
  snapshot_writer::WriterProcess writer(TK_SNAPSHOT_WRITER_BIN);
  REQUIRE(::kill(writer.pid(), SIGKILL) == 0);
  const std::string why = writer.result();
  CHECK_THAT(why, Contains("the snapshot writer process") && Contains("was killed by signal 9"));
  CHECK(writer.result() == why);
  CHECK_THROWS_WITH(writer.send(staged, "trainkit", dir.file("never")), why);
  CHECK(names_in(dir.path()).empty());
}

TEST_CASE("a writer process ignores the run's SIGTERM and SIGINT and ends when trainkit closes it", "[snapshot_writer]") {
  tk_test::TempDir dir;
  auto pool = state::StagingPool::create();
  state::StagedTree staged = capture(pool, big_tree(1.0f));
  snapshot_writer::WriterProcess writer(TK_SNAPSHOT_WRITER_BIN);
  writer.send(staged, "trainkit", dir.file("first"));
  REQUIRE(writer.result() == "");  // the process is past its start: its signal dispositions are set
  writer.send(staged, "trainkit", dir.file("a"));
  REQUIRE(::kill(writer.pid(), SIGTERM) == 0);
  REQUIRE(::kill(writer.pid(), SIGINT) == 0);
  CHECK(writer.result() == "");
  const pid_t pid = writer.pid();
  writer.stop();
  CHECK(::kill(pid, 0) != 0);  // reaped
  CHECK(same_tree(state::read_archive(dir.file("a")), big_tree(1.0f)));
}

TEST_CASE("a writer executable that is missing fails at start, naming it", "[snapshot_writer]") {
  CHECK_THROWS_AS(snapshot_writer::WriterProcess("/nowhere/trainkit-snapshot-writer"), TrainingError);
  CHECK_THROWS_WITH(snapshot_writer::WriterProcess("/nowhere/trainkit-snapshot-writer"),
                    Contains("cannot start the snapshot writer /nowhere/trainkit-snapshot-writer: No such file"));
}

TEST_CASE("a request describes leaves by offsets and never reaches outside the staging memory", "[snapshot_writer]") {
  auto pool = state::StagingPool::create();
  state::StagedTree staged = capture(pool, sample_tree());
  const std::string bytes = snapshot_writer::encode_request(staged, "torch", "/out/x");
  snapshot_writer::WriteRequest r = snapshot_writer::decode_request(bytes);
  CHECK(r.format == "torch");
  CHECK(r.path == "/out/x");
  REQUIRE(r.leaves.size() == staged.leaves.size());
  const state::StagingArea& area = staged.memory.area();
  void* mapped = ::mmap(nullptr, area.file_size(), PROT_READ, MAP_SHARED, area.fd(), 0);
  REQUIRE(mapped != MAP_FAILED);
  const auto* base = static_cast<const uint8_t*>(mapped);
  CHECK(same_tree(state::to_memory_tree(snapshot_writer::tree_at(r, base, area.file_size())), sample_tree()));
  CHECK_THROWS_WITH(snapshot_writer::tree_at(r, base, 64), Contains("lies outside the staging memory"));
  ::munmap(mapped, area.file_size());
  for (size_t cut : {size_t{0}, size_t{5}, bytes.size() / 2, bytes.size() - 1})
    CHECK_THROWS_AS(snapshot_writer::decode_request(bytes.substr(0, cut)), std::runtime_error);
  CHECK_THROWS_WITH(snapshot_writer::decode_request(bytes + "x"), Contains("bytes after its end"));
}
