// DictSummary: Chainer's per-key sums, insertion order, and an exact save/load.
#include <catch2/catch.hpp>

#include <cmath>

#include "state/memory_tree.h"
#include "trigger/summary.h"

using namespace trainkit;

namespace {

state::MemoryTree save(DictSummary& s) {
  state::MemoryTree tree;
  state::MemorySaver saver(tree);
  s.visit(saver);
  return tree;
}

void load(DictSummary& s, const state::MemoryTree& tree) {
  state::MemoryLoader loader(tree);
  s.visit(loader);
}

Observation obs(std::vector<std::pair<std::string, double>> items) {
  Observation o;
  for (auto& kv : items) o.report(kv.first, kv.second);
  return o;
}

using Means = std::vector<std::pair<std::string, double>>;

}  // namespace

TEST_CASE("summary means per key in first-added order", "[trigger][summary]") {
  DictSummary s;
  CHECK(s.empty());
  CHECK(s.mean("a") == std::nullopt);
  s.add(obs({{"b", 1}, {"a", 10}}));
  s.add(obs({{"a", 20}, {"c", 4}}));
  s.add(obs({{"b", 3}}));
  CHECK(s.keys() == std::vector<std::string>{"b", "a", "c"});
  CHECK(s.means() == Means{{"b", 2}, {"a", 15}, {"c", 4}});
  CHECK(s.mean("a") == 15);
  CHECK(s.std_dev("a") == Approx(5));
  CHECK(s.std_dev("c") == 0);
  CHECK(s.contains("c"));
  CHECK_FALSE(s.contains("d"));
  s.reset();
  CHECK(s.empty());
  CHECK(s.means().empty());
}

TEST_CASE("summary weights count a value several times", "[trigger][summary]") {
  DictSummary s;
  s.add("acc", 1.0, 3);
  s.add("acc", 0.0, 1);
  CHECK(s.mean("acc") == 0.75);
}

TEST_CASE("summary survives save and load exactly", "[trigger][summary][state]") {
  DictSummary s;
  for (int i = 0; i < 10; ++i) s.add(obs({{"main/loss", 0.1 * i}, {"validation/main/accuracy", 1.0 / (i + 3)}}));
  const state::MemoryTree tree = save(s);
  CHECK(std::get<int64_t>(tree.leaves.at("size")) == 2);
  CHECK(std::get<std::string>(tree.leaves.at("0/name")) == "main/loss");
  CHECK(std::get<std::string>(tree.leaves.at("1/name")) == "validation/main/accuracy");
  CHECK(std::get<double>(tree.leaves.at("0/n")) == 10);

  DictSummary restored;
  restored.add("stale", 1);  // a load replaces, never merges
  load(restored, tree);
  CHECK(restored.means() == s.means());  // bit-for-bit: the sums themselves are stored
  CHECK(restored.std_dev("main/loss") == s.std_dev("main/loss"));

  // Chainer #3978: the mean of 0..9 is 4.5 whether or not the run stopped after 5 values.
  DictSummary first;
  for (int i = 0; i < 5; ++i) first.add("x", i);
  DictSummary second;
  load(second, save(first));
  for (int i = 5; i < 10; ++i) second.add("x", i);
  CHECK(second.mean("x") == 4.5);
  CHECK(second.keys() == std::vector<std::string>{"x"});
}

TEST_CASE("summary loaded from state without it is empty", "[trigger][summary][state]") {
  DictSummary s;
  s.add("x", 1);
  load(s, state::MemoryTree{});
  CHECK(s.empty());
  s.add("y", 2);
  CHECK(s.means() == Means{{"y", 2}});
}
