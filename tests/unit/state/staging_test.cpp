// Staging memory for captured snapshots: the capture visitor, the reuse of areas across captures, and
// what a fork()ed writer child gets (Note [Why staging memory is reused], Note [Staging areas and fork]).
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <string>

#include "process.h"
#include "state/archive.h"
#include "state/staged_tree.h"
#include "state_test_support.h"

using namespace trainkit;
using namespace trainkit::testing;

namespace {

state::StagedTree capture(const std::shared_ptr<state::StagingPool>& pool, const state::MemoryTree& tree) {
  state::StagedTree staged{pool->lease(), {}};
  state::StagingSaver saver(staged);
  state::replay(tree, saver);
  return staged;
}

// Runs body in a forked child; its exit status (a signal shows as 128 + the signal).
template <class Body>
int in_child(Body&& body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::signal(SIGSEGV, SIG_DFL);  // not Catch's handler: the parent reads the signal from the status
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

}  // namespace

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

TEST_CASE("a forked child keeps the bytes it was forked with while the parent captures again", "[state][staging]") {
  auto pool = state::StagingPool::create();
  state::MemoryTree tree;
  tree.leaves["model/w"] = float_tensor({256, 1024}, 1.0f);
  state::StagedTree staged = capture(pool, tree);
  int ready[2], go[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(go) == 0);
  const std::vector<uint8_t> expected = std::get<state::TensorLeaf>(tree.leaves["model/w"]).data;
  const state::LeafView view = staged.leaves["model/w"];
  pid_t pid = ::fork();
  if (pid == 0) {
    char c = 0;
    if (::write(ready[1], &c, 1) != 1 || ::read(go[0], &c, 1) != 1) ::_exit(2);
    ::_exit(std::memcmp(view.data, expected.data(), expected.size()) == 0 ? 0 : 1);
  }
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  staged = {};  // given back while the child still reads it: the next capture reuses the area
  tree.leaves["model/w"] = float_tensor({256, 1024}, -5.0f);
  state::StagedTree next = capture(pool, tree);
  CHECK(next.leaves["model/w"].data == view.data);  // the same memory ...
  REQUIRE(::write(go[1], &c, 1) == 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);  // ... yet the child wrote the bytes of its own snapshot
  for (int fd : {ready[0], ready[1], go[0], go[1]}) ::close(fd);
}

TEST_CASE("a child forked after a capture gets that capture's memory, not older ones", "[state][staging]") {
  auto pool = state::StagingPool::create();
  state::MemoryTree tree;
  tree.leaves["model/w"] = float_tensor({64, 1024}, 1.0f);
  state::StagedTree older = capture(pool, tree);
  state::StagedTree newest = capture(pool, tree);
  const volatile uint8_t* old_bytes = static_cast<const uint8_t*>(older.leaves["model/w"].data);
  const volatile uint8_t* new_bytes = static_cast<const uint8_t*>(newest.leaves["model/w"].data);
  CHECK(in_child([&] { return new_bytes[100] == static_cast<const uint8_t*>(newest.leaves["model/w"].data)[100] ? 0 : 1; }) == 0);
  // Note [Staging areas and fork]: the older capture is not mapped in the child at all.
  CHECK(in_child([&] { return old_bytes[100] == 0 ? 3 : 4; }) == 128 + SIGSEGV);
}
