// Staging memory for captured snapshots: the capture visitor, the reuse of areas across captures, and the
// memfd a writer process maps (Note [Why staging memory is reused], Note [Staging memory is a shared file]).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "process.h"
#include "state/archive.h"
#include "state/staged_tree.h"
#include "state_test_support.h"

using namespace trainkit;
using namespace trainkit::testing;

TEST_CASE("a staged capture holds every leaf type unchanged", "[state][staging]") {
  auto pool = state::StagingPool::create();
  state::MemoryTree tree = sample_tree();
  state::StagedTree staged = capture(pool, tree);
  CHECK(same_tree(state::to_memory_tree(staged), tree));
  for (const auto& [key, view] : staged.leaves)
    CHECK(reinterpret_cast<uintptr_t>(view.data) % 64 == 0);
}

TEST_CASE("a staged capture is written as the same archive a MemoryTree gives", "[state][staging]") {
  tk_test::TempDir dir;
  auto pool = state::StagingPool::create();
  state::MemoryTree tree = sample_tree();
  state::write_archive(capture(pool, tree), dir.file("staged"));
  state::write_archive(tree, dir.file("memory"));
  CHECK(read_bytes(dir.file("staged")) == read_bytes(dir.file("memory")));
  CHECK(same_tree(state::read_archive(dir.file("staged")), tree));
}

TEST_CASE("a released capture's memory is what the next capture copies into", "[state][staging]") {
  auto pool = state::StagingPool::create();
  state::MemoryTree tree;
  for (int i = 0; i < 6; ++i) tree.leaves["model/w" + std::to_string(i)] = float_tensor({1024, 1024}, float(i));
  const state::StagingArea* area = nullptr;
  {
    state::StagedTree first = capture(pool, tree);
    area = &first.memory.area();
    CHECK(pool->leased_areas() == 1);
  }
  CHECK(pool->leased_areas() == 0);
  CHECK(pool->idle_areas() == 1);
  const void* second_data = nullptr;
  {
    state::StagedTree second = capture(pool, tree);
    CHECK(&second.memory.area() == area);
    CHECK(pool->idle_areas() == 0);
    CHECK(same_tree(state::to_memory_tree(second), tree));
    // The first capture grew in several mappings; given back, they became one that fits the whole state.
    CHECK(area->capacity() >= area->used());
    CHECK(area->capacity() < 2 * area->used());
    second_data = second.leaves.begin()->second.data;
  }
  state::StagedTree third = capture(pool, tree);
  CHECK(third.leaves.begin()->second.data == second_data);  // a state of the same size: the same pages
}

TEST_CASE("captures in flight at once get their own areas; close unmaps the idle ones", "[state][staging]") {
  auto pool = state::StagingPool::create();
  state::MemoryTree tree = sample_tree();
  state::StagedTree a = capture(pool, tree);
  state::StagedTree b = capture(pool, tree);
  CHECK(&a.memory.area() != &b.memory.area());
  CHECK(pool->leased_areas() == 2);
  a = {};
  CHECK(pool->idle_areas() == 1);
  pool->close();
  CHECK(pool->idle_areas() == 0);
  b = {};  // given back after close: unmapped, not kept
  CHECK(pool->idle_areas() == 0);
  CHECK(pool->leased_areas() == 0);
}

TEST_CASE("a capture's bytes lie in its area's memfd at offset_of, for another process to map", "[state][staging]") {
  auto pool = state::StagingPool::create();
  state::MemoryTree tree = sample_tree();
  tree.leaves["model/big"] = float_tensor({512, 1024}, 3.0f);  // 2 MiB: the first capture grows a second mapping
  state::StagedTree staged = capture(pool, tree);
  const state::StagingArea& area = staged.memory.area();
  REQUIRE(area.fd() >= 0);
  CHECK((::fcntl(area.fd(), F_GETFD) & FD_CLOEXEC) != 0);  // reaches a writer process only when handed over
  CHECK(area.file_size() == area.capacity());
  for (const auto& [key, view] : staged.leaves) {
    INFO(key);
    const uint64_t at = area.offset_of(view.data);
    REQUIRE(at + view.size <= area.file_size());
    std::vector<uint8_t> read_back(view.size);
    REQUIRE(::pread(area.fd(), read_back.data(), view.size, static_cast<off_t>(at)) == static_cast<ssize_t>(view.size));
    CHECK((view.size == 0 || std::memcmp(read_back.data(), view.data, view.size) == 0));  // memcmp wants non-null
  }
  int outside = 0;
  CHECK_THROWS_AS(area.offset_of(&outside), std::out_of_range);
}
