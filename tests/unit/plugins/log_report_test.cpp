// log_report: Chainer's LogReport records, file formats, atomic writes and resumable state.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include <trainkit/sdk/json.hpp>

#include "plugin_host.h"

using namespace tk_test;
using tk::json::Value;

namespace {

// One epoch of 10 iterations has passed; the host's summary holds these means.
void end_of_epoch(TestContext& ctx, int epoch, double loss, double accuracy) {
  ctx.iteration = epoch * ctx.iterations_per_epoch;
  ctx.elapsed_time = 1.5 * epoch;
  ctx.summary.clear();
  ctx.summary.set("main/loss", loss);
  ctx.summary.set("main/accuracy", accuracy);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    out.push_back(text.substr(start, nl - start));
  REQUIRE(start == text.size());  // every line ends with a newline
  return out;
}

std::vector<std::string> keys_of(const Value& record) {
  std::vector<std::string> keys;
  for (size_t i = 0; i < record.size(); ++i) keys.push_back(record.key(i));
  return keys;
}

}  // namespace

TEST_CASE("log_report: writes the whole list as Python's json.dump(log, indent=4)") {
  FakeHost host;
  Plugin plugin("log_report", host);
  TempDir dir;
  Instance ext(plugin, host, "log_report");
  TestContext ctx;
  ctx.out_dir = dir.path();
  ext.initialize(ctx);

  end_of_epoch(ctx, 1, 0.5, 0.75);
  ext.call(ctx);
  CHECK(dir.read("log") ==
        "[\n    {\n        \"main/loss\": 0.5,\n        \"main/accuracy\": 0.75,\n        \"epoch\": 1,\n"
        "        \"iteration\": 10,\n        \"elapsed_time\": 1.5\n    }\n]");

  end_of_epoch(ctx, 2, 0.25, 0.875);
  ext.call(ctx);
  Value log = tk::json::parse(dir.read("log"));
  REQUIRE(log.size() == 2);
  const Value& rec = log.at(1);
  CHECK(keys_of(rec) == std::vector<std::string>{"main/loss", "main/accuracy", "epoch", "iteration", "elapsed_time"});
  CHECK(rec.find("main/loss")->as_double() == 0.25);
  CHECK(rec.find("epoch")->as_int() == 2);
  CHECK(rec.find("iteration")->as_int() == 20);
  CHECK(rec.find("elapsed_time")->as_double() == 3.0);
  ext.finalize(ctx);

  CHECK(dir.list() == std::vector<std::string>{"log"});  // no temp file left behind
}

TEST_CASE("log_report: keys selects the logged means and epoch, iteration and elapsed_time always follow") {
  FakeHost host;
  Plugin plugin("log_report", host);
  TempDir dir;
  Instance ext(plugin, host, "log_report", {{"keys", Strings{"main/accuracy", "not/observed"}}});
  TestContext ctx;
  ctx.out_dir = dir.path();
  end_of_epoch(ctx, 1, 0.5, 0.75);
  ext.call(ctx);
  Value log = tk::json::parse(dir.read("log"));
  CHECK(keys_of(log.at(0)) == std::vector<std::string>{"main/accuracy", "epoch", "iteration", "elapsed_time"});
}

TEST_CASE("log_report: jsonl appends one object per line, inferred from the .jsonl suffix or given") {
  FakeHost host;
  Plugin plugin("log_report", host);
  TempDir dir;
  auto options = GENERATE(Options{{"filename", std::string("log.jsonl")}},
                          Options{{"filename", std::string("log.jsonl")}, {"format", std::string("auto")}},
                          Options{{"filename", std::string("log.jsonl")}, {"format", std::string("jsonl")}});
  Instance ext(plugin, host, "log_report", options);
  TestContext ctx;
  ctx.out_dir = dir.path();
  for (int e = 1; e <= 3; ++e) {
    end_of_epoch(ctx, e, 1.0 / e, 0.5);
    ext.call(ctx);
  }
  auto rows = lines(dir.read("log.jsonl"));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0] == R"({"main/loss": 1.0, "main/accuracy": 0.5, "epoch": 1, "iteration": 10, "elapsed_time": 1.5})");
  CHECK(tk::json::parse(rows[2]).find("iteration")->as_int() == 30);
  CHECK(dir.list() == std::vector<std::string>{"log.jsonl"});
}

TEST_CASE("log_report: format json wins over a .jsonl name and jsonl works with any name") {
  FakeHost host;
  Plugin plugin("log_report", host);
  TempDir dir;
  TestContext ctx;
  ctx.out_dir = dir.path();
  end_of_epoch(ctx, 1, 0.5, 0.75);
  {
    Instance ext(plugin, host, "log_report", {{"filename", std::string("a.jsonl")}, {"format", std::string("json")}});
    ext.call(ctx);
  }
  {
    Instance ext(plugin, host, "log_report", {{"filename", std::string("b")}, {"format", std::string("jsonl")}});
    ext.call(ctx);
  }
  CHECK(tk::json::parse(dir.read("a.jsonl")).is_array());
  CHECK(lines(dir.read("b")).size() == 1);
}

TEST_CASE("log_report: {epoch} and {iteration} in filename and an empty filename keeps the log in memory") {
  FakeHost host;
  Plugin plugin("log_report", host);
  TempDir dir;
  TestContext ctx;
  ctx.out_dir = dir.path();
  end_of_epoch(ctx, 2, 0.5, 0.75);
  {
    Instance ext(plugin, host, "log_report", {{"filename", std::string("log_{epoch}_{iteration}")}});
    ext.call(ctx);
  }
  CHECK(dir.list() == std::vector<std::string>{"log_2_20"});

  Instance quiet(plugin, host, "log_report", {{"filename", std::string("")}});
  quiet.call(ctx);
  CHECK(dir.list() == std::vector<std::string>{"log_2_20"});
  MemoryState state;
  quiet.save(state);
  CHECK(tk::json::parse(std::get<std::string>(state.values.at("log"))).size() == 1);
}

TEST_CASE("log_report: only rank 0 writes the file") {
  FakeHost host;
  Plugin plugin("log_report", host);
  TempDir dir;
  Instance ext(plugin, host, "log_report");
  TestContext ctx;
  ctx.out_dir = dir.path();
  ctx.rank = 1;
  end_of_epoch(ctx, 1, 0.5, 0.75);
  ext.call(ctx);
  CHECK(dir.list().empty());
}

TEST_CASE("log_report: bad options are refused at create") {
  FakeHost host;
  Plugin plugin("log_report", host);
  auto [status, message] = Instance::try_create(plugin, host, "log_report", {{"format", std::string("yaml")}});
  CHECK(status == TK_ERR_INVALID);
  CHECK_THAT(message, Catch::Contains("format"));
  std::tie(status, message) = Instance::try_create(plugin, host, "log_report", {{"filename", std::string("log_{rank}")}});
  CHECK(status == TK_ERR_INVALID);
  CHECK_THAT(message, Catch::Contains("{epoch}"));
}

TEST_CASE("log_report: a restored instance continues the saved list") {
  FakeHost host;
  Plugin plugin("log_report", host);
  TempDir dir;
  TestContext ctx;
  ctx.out_dir = dir.path();
  MemoryState state;
  std::string before;
  {
    Instance first(plugin, host, "log_report");
    for (int e = 1; e <= 2; ++e) {
      end_of_epoch(ctx, e, 1.0 / e, 0.5);
      first.call(ctx);
    }
    first.save(state);
    before = dir.read("log");
  }
  std::remove(dir.file("log").c_str());  // the resumed run rewrites it from the state

  Instance resumed(plugin, host, "log_report");
  resumed.load(state, 1);
  ctx.state_restored = true;
  resumed.initialize(ctx);
  end_of_epoch(ctx, 3, 0.125, 0.625);
  resumed.call(ctx);
  Value log = tk::json::parse(dir.read("log"));
  REQUIRE(log.size() == 3);
  Value old = tk::json::parse(before);
  for (size_t i = 0; i < 2; ++i) CHECK(tk::json::dump(log.at(i)) == tk::json::dump(old.at(i)));
  CHECK(log.at(0).find("epoch")->kind() == Value::Kind::integer);  // integers survive the round trip
  CHECK(log.at(2).find("main/loss")->as_double() == 0.125);
}

TEST_CASE("log_report: a resumed jsonl log drops the records written after the snapshot") {
  FakeHost host;
  Plugin plugin("log_report", host);
  TempDir dir;
  TestContext ctx;
  ctx.out_dir = dir.path();
  Options options{{"filename", std::string("log.jsonl")}};
  MemoryState state;
  {
    Instance first(plugin, host, "log_report", options);
    for (int e = 1; e <= 3; ++e) {
      end_of_epoch(ctx, e, 1.0 / e, 0.5);
      first.call(ctx);
      if (e == 2) first.save(state);  // the snapshot; epoch 3 is then lost in a crash
    }
  }
  REQUIRE(lines(dir.read("log.jsonl")).size() == 3);

  Instance resumed(plugin, host, "log_report", options);
  resumed.load(state, 1);
  for (int e = 3; e <= 4; ++e) {
    end_of_epoch(ctx, e, 0.1 * e, 0.5);
    resumed.call(ctx);
  }
  auto rows = lines(dir.read("log.jsonl"));
  REQUIRE(rows.size() == 4);
  for (size_t i = 0; i < rows.size(); ++i) CHECK(tk::json::parse(rows[i]).find("epoch")->as_int() == int64_t(i + 1));
  CHECK(tk::json::parse(rows[2]).find("main/loss")->as_double() == Approx(0.3));
  CHECK(dir.list() == std::vector<std::string>{"log.jsonl"});
}

TEST_CASE("log_report: a corrupt saved log is refused with a message") {
  FakeHost host;
  Plugin plugin("log_report", host);
  Instance ext(plugin, host, "log_report");
  MemoryState state;
  state.values["log"] = std::string("[{\"epoch\": 1}, 3]");
  CHECK_THROWS_WITH(ext.load(state, 1), Catch::Contains("record 1"));
  state.values["log"] = std::string("[{");
  CHECK_THROWS_WITH(ext.load(state, 1), Catch::Contains("JSON"));
}
