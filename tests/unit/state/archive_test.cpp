// The "trainkit" archive: round trips, streaming saves, the commit protocol, summaries.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "process.h"
#include "state/archive.h"
#include "state_test_support.h"

using namespace trainkit;
using namespace trainkit::testing;
using Catch::Matchers::Contains;

TEST_CASE("write_archive and read_archive round trip every leaf type bit for bit", "[state][archive]") {
  tk_test::TempDir dir;
  std::string path = dir.file("snapshot_iter_1200");
  state::MemoryTree tree = sample_tree();
  state::write_archive(tree, path);
  state::MemoryTree back = state::read_archive(path);
  CHECK(same_tree(tree, back));
  CHECK(std::isnan(std::get<double>(back.leaves.at("trainer/stop_trigger/best_value"))));
  CHECK(std::signbit(std::get<double>(back.leaves.at("trainer/negative_zero"))));
}

TEST_CASE("an empty tree is a valid archive", "[state][archive]") {
  tk_test::TempDir dir;
  state::write_archive(state::MemoryTree{}, dir.file("empty"));
  CHECK(state::read_archive(dir.file("empty")).leaves.empty());
  CHECK(state::verify_archive(dir.file("empty")).ok);
}

TEST_CASE("ArchiveSaver streams a visit into the same file write_archive writes", "[state][archive]") {
  tk_test::TempDir dir;
  state::MemoryTree tree = sample_tree();
  state::write_archive(tree, dir.file("captured"));
  {
    state::ArchiveWriter writer(dir.file("streamed"));
    state::ArchiveSaver saver(writer);
    state::replay(tree, saver);  // visits in key order, like write_archive
    writer.commit();
  }
  CHECK(read_bytes(dir.file("streamed")) == read_bytes(dir.file("captured")));
  CHECK(same_tree(state::read_archive(dir.file("streamed")), tree));
}

TEST_CASE("ArchiveSaver writes what a visit saves, and the loader restores it", "[state][archive]") {
  tk_test::TempDir dir;
  int64_t iteration = 77;
  double lr = 0.05;
  bool flag = true;
  std::string name = "adam";
  std::vector<uint8_t> rng{9, 8, 7};
  std::vector<float> w{1, 2, 3, 4, 5, 6};
  std::vector<int64_t> shape{3, 2};
  auto visit = [&](state::Visitor& v) {
    v.scope("trainer", [&] { v.value("iteration", iteration); });
    v.scope("optimizer", [&] {
      v.value("lr", lr);
      v.value("flag", flag);
      v.value("name", name);
      v.bytes("rng", rng);
      v.tensor("w", view(w.data(), f32(), shape));
    });
  };
  {
    state::ArchiveWriter writer(dir.file("s"));
    state::ArchiveSaver saver(writer);
    visit(saver);
    CHECK(writer.entries() == 6);
    writer.commit();
  }
  state::MemoryTree tree = state::read_archive(dir.file("s"));
  iteration = 0, lr = 0, flag = false, name.clear(), rng.clear(), w.assign(6, 0.0f);
  state::MemoryLoader loader(tree);
  visit(loader);
  CHECK(iteration == 77);
  CHECK(lr == 0.05);
  CHECK(flag);
  CHECK(name == "adam");
  CHECK(rng == std::vector<uint8_t>{9, 8, 7});
  CHECK(w == std::vector<float>{1, 2, 3, 4, 5, 6});

  state::ArchiveSummary summary = state::verify_archive(dir.file("s"));
  CHECK(summary.ok);
  CHECK(summary.problem.empty());
  CHECK(summary.entries == 6);
  REQUIRE(summary.iteration.has_value());
  CHECK(*summary.iteration == 77);
  CHECK(summary.bytes == read_bytes(dir.file("s")).size());
}

TEST_CASE("a key saved twice in one visit is an error", "[state][archive]") {
  tk_test::TempDir dir;
  state::ArchiveWriter writer(dir.file("s"));
  state::ArchiveSaver saver(writer);
  int64_t i = 1;
  saver.value("i", i);
  CHECK_THROWS_WITH(saver.value("i", i), Contains("'i' was saved twice"));
}

TEST_CASE("commit renames the hidden temp file into place", "[state][archive]") {
  tk_test::TempDir dir;
  state::ArchiveWriter writer(dir.file("snapshot_iter_5"));
  const std::string temp = writer.temp_path();
  CHECK(temp.rfind(dir.path() + "/.tmp.snapshot_iter_5.", 0) == 0);
  CHECK(list_dir(dir.path()).size() == 1);
  CHECK_FALSE(tk_test::file_exists(dir.file("snapshot_iter_5")));
  int64_t i = 5;
  writer.add("trainer/iteration", state::view_of(state::Leaf(i)));
  writer.commit();
  CHECK(list_dir(dir.path()) == std::vector<std::string>{"snapshot_iter_5"});
  CHECK(state::verify_archive(dir.file("snapshot_iter_5")).ok);
}

TEST_CASE("a writer destroyed before commit leaves nothing behind", "[state][archive]") {
  tk_test::TempDir dir;
  {
    state::ArchiveWriter writer(dir.file("snapshot_iter_5"));
    state::MemoryTree tree = sample_tree();
    for (const auto& [key, leaf] : tree.leaves) writer.add(key, state::view_of(leaf));
    CHECK(list_dir(dir.path()).size() == 1);
  }
  CHECK(list_dir(dir.path()).empty());
}

TEST_CASE("a temp file of an interrupted save reads as never committed", "[state][archive]") {
  tk_test::TempDir dir;
  state::ArchiveWriter writer(dir.file("s"));
  int64_t i = 5;
  writer.add("i", state::view_of(state::Leaf(i)));
  // Flush what is buffered by adding a payload big enough to be written through.
  std::vector<uint8_t> big(2 << 20, 1);
  writer.add("big", state::view_of(state::Leaf(big)));
  state::ArchiveSummary summary = state::verify_archive(writer.temp_path());
  CHECK_FALSE(summary.ok);
  CHECK_THAT(summary.problem, Contains("never committed"));
}

TEST_CASE("commit into a missing folder fails cleanly", "[state][archive]") {
  tk_test::TempDir dir;
  CHECK_THROWS_AS(state::ArchiveWriter(dir.file("no/such/folder/s")), TrainingError);
}

TEST_CASE("large payloads are written through and read back", "[state][archive]") {
  tk_test::TempDir dir;
  state::MemoryTree tree;
  // Sizes around the 1 MiB direct-write threshold and the 8 MiB buffer.
  for (size_t n : {size_t{1} << 20, (size_t{1} << 20) - 1, (size_t{9} << 20) + 3}) {
    std::vector<uint8_t> bytes(n);
    for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(i * 131 + n);
    tree.leaves["b/" + std::to_string(n)] = bytes;
  }
  tree.leaves["t"] = float_tensor({1024, 1024 + 3}, 0.25f);
  state::write_archive(tree, dir.file("s"));
  CHECK(same_tree(state::read_archive(dir.file("s")), tree));
  state::ArchiveSummary summary = state::verify_archive(dir.file("s"));
  CHECK(summary.ok);
  CHECK(summary.entries == 4);
  CHECK_FALSE(summary.iteration.has_value());
}

TEST_CASE("looks_like_trainkit_archive checks the magic only", "[state][archive]") {
  tk_test::TempDir dir;
  state::write_archive(sample_tree(), dir.file("s"));
  CHECK(state::looks_like_trainkit_archive(dir.file("s")));
  tk_test::write_file(dir.file("pickle"), "PK\x03\x04 a zip, as torch.save writes");
  CHECK_FALSE(state::looks_like_trainkit_archive(dir.file("pickle")));
  CHECK_FALSE(state::looks_like_trainkit_archive(dir.file("missing")));
  tk_test::write_file(dir.file("short"), "\x89TK");
  CHECK_FALSE(state::looks_like_trainkit_archive(dir.file("short")));
}

// Note [trainkit archive layout]: format 1 hashed each payload byte twice; trainkit 1.1 writes format 2
// and still reads format 1. The fixture is sample_tree() as trainkit 1.0 wrote it (keep the two in step).
TEST_CASE("an archive in format version 1 still reads, verifies and detects damage", "[state][archive]") {
  const std::string fixture = TK_SOURCE_DIR "/tests/unit/state/archive_v1_sample.tksnap";
  std::vector<uint8_t> bytes = read_bytes(fixture);
  uint32_t version = 0;
  std::memcpy(&version, bytes.data() + 8, sizeof version);
  REQUIRE(version == 1);
  CHECK(same_tree(state::read_archive(fixture), sample_tree()));
  state::ArchiveSummary summary = state::verify_archive(fixture);
  CHECK(summary.ok);
  CHECK(summary.iteration == 1200);

  tk_test::TempDir dir;
  std::string damaged = dir.file("damaged");
  const size_t rng_payload = bytes.size() - 24 - 9 - 6;  // updater/rng is the last entry: its 6 bytes end the body
  SECTION("a payload byte") {
    bytes[rng_payload + 3] ^= 0x10;
    write_bytes(damaged, bytes);
    CHECK_THAT(state::verify_archive(damaged).problem, Contains("checksum mismatch in entry 'updater/rng'"));
  }
  SECTION("a byte of an entry's path") {
    bytes[find_bytes(bytes, "meta/manifest") + 2] ^= 0x01;
    write_bytes(damaged, bytes);
    CHECK(state::verify_archive(damaged).problem == "whole-file checksum mismatch");
  }
  CHECK_THROWS_AS(state::read_archive(damaged), ResumeError);
}

TEST_CASE("the writer writes format version 2", "[state][archive]") {
  tk_test::TempDir dir;
  state::write_archive(sample_tree(), dir.file("s"));
  std::vector<uint8_t> bytes = read_bytes(dir.file("s"));
  uint32_t version = 0;
  std::memcpy(&version, bytes.data() + 8, sizeof version);
  CHECK(version == 2);
}
