// print_report: Chainer's table layout on stdout. Expected strings were produced by Chainer's own format
// strings in CPython ('{:10}' headers, '{:<10g}  ' cells).
//
// Checks run after stdout is restored, so a failure report does not vanish into the capture.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "plugin_host.h"

using namespace tk_test;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Calls a fresh instance once per summary (iterations 10, 20, ...) and returns stdout after each call.
std::vector<std::string> print_rows(const Options& options, const std::vector<ScalarMap>& summaries, int rank = 0) {
  FakeHost host;
  Plugin plugin("print_report", host);
  std::vector<std::string> outputs;
  CapturedStdout out;
  Instance ext(plugin, host, "print_report", options);
  TestContext ctx;
  ctx.rank = rank;
  ctx.elapsed_time = 12.5;
  for (auto& summary : summaries) {
    ctx.iteration += 10;
    ctx.summary = summary;
    ext.call(ctx);
    outputs.push_back(out.text());
  }
  return outputs;
}

}  // namespace

TEST_CASE("print_report: header once, then one row per call in Chainer's layout") {
  auto out = print_rows(
      {{"entries", Strings{"epoch", "iteration", "main/loss", "validation/main/accuracy", "elapsed_time"}}},
      {ScalarMap{{"main/loss", 0.123456789}},
       ScalarMap{{"main/loss", 0.123456789}, {"validation/main/accuracy", 0.875}}});
  CHECK(out[0] ==
        "epoch       iteration   main/loss   validation/main/accuracy  elapsed_time\n"
        "1           10          0.123457                              12.5          \n");
  CHECK(count(out[1], "epoch ") == 1);  // the header is not repeated
  CHECK_THAT(out[1], Catch::EndsWith("2           20          0.123457    0.875                     12.5          \n"));
  CHECK(out[1].find('\033') == std::string::npos);  // no escape codes when stdout is not a terminal
}

TEST_CASE("print_report: integers for epoch and iteration, %g for the rest") {
  FakeHost host;
  Plugin plugin("print_report", host);
  std::string text;
  {
    CapturedStdout out;
    Instance ext(plugin, host, "print_report", {{"entries", Strings{"iteration", "main/loss", "lr"}}});
    TestContext ctx;
    ctx.iteration = 1234567;  // Python's '{:<10g}' would print 1.23457e+06
    ctx.summary.set("main/loss", -std::nan(""));
    ctx.summary.set("lr", 1e-5);
    ext.call(ctx);
    text = out.text();
  }
  CHECK_THAT(text, Catch::EndsWith("1234567     nan         1e-05       \n"));
}

TEST_CASE("print_report: with no entries, infers epoch, iteration, the observed keys, elapsed_time") {
  auto out = print_rows({}, {ScalarMap{{"main/loss", 0.5}, {"main/accuracy", 0.75}},
                             ScalarMap{{"main/loss", 0.5}, {"main/accuracy", 0.75}, {"validation/main/loss", 0.625}},
                             ScalarMap{{"main/loss", 0.5}}});
  CHECK(out[0] ==
        "epoch       iteration   main/loss   main/accuracy  elapsed_time\n"
        "1           10          0.5         0.75           12.5          \n");
  // A key seen for the first time (an evaluator that runs every other epoch) gets a column and a new header.
  CHECK(out[1].substr(out[0].size()) ==
        "epoch       iteration   main/loss   main/accuracy  validation/main/loss  elapsed_time\n"
        "2           20          0.5         0.75           0.625                 12.5          \n");
  // Nothing new: no header, blanks for the missing values.
  CHECK(out[2].substr(out[1].size()) ==
        "3           30          0.5                                              12.5          \n");
}

TEST_CASE("print_report: only rank 0 prints") {
  auto out = print_rows({}, {ScalarMap{{"main/loss", 0.5}}}, /*rank=*/1);
  CHECK(out[0].empty());
}

TEST_CASE("print_report: on a terminal each row first erases what the progress bar drew") {
  FakeHost host;
  Plugin plugin("print_report", host);
  std::string text;
  {
    TerminalStdout term;
    Instance ext(plugin, host, "print_report", {{"entries", Strings{"epoch"}}});
    TestContext ctx;
    ctx.iteration = 10;
    ext.call(ctx);
    text = term.text();
  }
  CHECK(text == "\033[Jepoch     \n1           \n");
}
