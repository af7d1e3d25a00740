// progress_bar: a plain line per update off a terminal, Chainer's redrawn block on one.
//
// Checks run after stdout is restored, so a failure report does not vanish into the capture.
#include <catch2/catch.hpp>

#include <string>

#include "plugin_host.h"

using namespace tk_test;

namespace {

size_t count_lines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("progress_bar: off a terminal, one plain line every update_interval iterations") {
  FakeHost host;
  Plugin plugin("progress_bar", host);
  std::string text;
  {
    CapturedStdout out;
    Instance ext(plugin, host, "progress_bar", {{"update_interval", int64_t{10}}});
    TestContext ctx;
    ctx.max_iteration = 100;
    ext.initialize(ctx);
    for (ctx.iteration = 1; ctx.iteration <= 25; ++ctx.iteration) ext.call(ctx);
    ext.finalize(ctx);
    text = out.text();
  }
  INFO(text);
  CHECK(count_lines(text) == 2);
  CHECK_THAT(text, Catch::StartsWith("iteration 10/100 (10.00%), epoch 1.00, "));
  CHECK_THAT(text, Catch::Contains("\niteration 20/100 (20.00%), epoch 2.00, "));
  CHECK_THAT(text, Catch::Contains(" iters/sec, ETA "));
  CHECK(text.find('\033') == std::string::npos);
  CHECK(text.find('\r') == std::string::npos);
}

TEST_CASE("progress_bar: with no known end, no total and no ETA") {
  FakeHost host;
  Plugin plugin("progress_bar", host);
  std::string text;
  {
    CapturedStdout out;
    Instance ext(plugin, host, "progress_bar", {{"update_interval", int64_t{5}}});
    TestContext ctx;  // max_iteration = -1: an early-stopping run
    ext.initialize(ctx);
    for (ctx.iteration = 1; ctx.iteration <= 5; ++ctx.iteration) ext.call(ctx);
    text = out.text();
  }
  CHECK_THAT(text, Catch::StartsWith("iteration 5, epoch 0.50, "));
  CHECK(text.find("ETA") == std::string::npos);
}

TEST_CASE("progress_bar: a trigger that skips iterations still updates once per interval crossed") {
  FakeHost host;
  Plugin plugin("progress_bar", host);
  std::string text;
  {
    CapturedStdout out;
    Instance ext(plugin, host, "progress_bar", {{"update_interval", int64_t{10}}});
    TestContext ctx;
    ext.initialize(ctx);
    for (int64_t it : {7, 14, 21, 28, 35}) {
      ctx.iteration = it;
      ext.call(ctx);
    }
    text = out.text();
  }
  CHECK(count_lines(text) == 3);  // at 14, 21, 35
}

TEST_CASE("progress_bar: on a terminal, Chainer's block, then the cursor back to its first line") {
  FakeHost host;
  Plugin plugin("progress_bar", host);
  std::string drawn, erased;
  {
    TerminalStdout term;
    Instance ext(plugin, host, "progress_bar", {{"update_interval", int64_t{10}}, {"bar_length", int64_t{10}}});
    TestContext ctx;
    ctx.max_iteration = 100;
    ext.initialize(ctx);
    for (ctx.iteration = 1; ctx.iteration <= 25; ++ctx.iteration) ext.call(ctx);
    drawn = term.text();
    ext.finalize(ctx);
    erased = term.text();
  }
  INFO(drawn);
  CHECK_THAT(drawn, Catch::StartsWith("\033[J     total [#.........] 10.00%\nthis epoch [..........]  0.00%\n"
                                      "        10 iter, 1 epoch / 10 epochs\n"));
  CHECK_THAT(drawn, Catch::Contains("\033[4A\033[J     total [##........] 20.00%\n"));
  CHECK_THAT(drawn, Catch::Contains(" iters/sec. Estimated time to finish: "));
  CHECK_THAT(drawn, Catch::EndsWith("\033[4A"));
  CHECK(erased == "\033[J");  // the block is erased at the end
}

TEST_CASE("progress_bar: bad options are refused at create") {
  FakeHost host;
  Plugin plugin("progress_bar", host);
  CHECK(Instance::try_create(plugin, host, "progress_bar", {{"update_interval", int64_t{0}}}).first == TK_ERR_INVALID);
  CHECK(Instance::try_create(plugin, host, "progress_bar", {{"bar_length", int64_t{-1}}}).first == TK_ERR_INVALID);
}
