// plot_render's axis arithmetic: nice steps (1, 2, 5 x 10^k), padded ranges that never collapse, tick
// values and their labels.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "plot_render.h"

using namespace tk_plot;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST_CASE("plot_render: nice steps are 1, 2 or 5 times a power of ten, at least the raw step") {
  CHECK(nice_step(1) == Approx(1));
  CHECK(nice_step(1.1) == Approx(2));
  CHECK(nice_step(2) == Approx(2));
  CHECK(nice_step(0.3) == Approx(0.5));
  CHECK(nice_step(0.02) == Approx(0.02));
  CHECK(nice_step(7) == Approx(10));
  CHECK(nice_step(4200) == Approx(5000));
  CHECK(nice_step(3e-7) == Approx(5e-7));
  CHECK(nice_step(0) == 1);
  CHECK(nice_step(-3) == 1);
  CHECK(nice_step(kNaN) == 1);
  CHECK(nice_step(kInf) == 1);
}

TEST_CASE("plot_render: axis ranges pad the data and never have zero width") {
  auto r = axis_range({1.0, 2.0}, false);
  CHECK(r.first == Approx(0.95));
  CHECK(r.second == Approx(2.05));
  r = axis_range({0.5}, false);  // a single point
  CHECK(r.first == Approx(0.45));
  CHECK(r.second == Approx(0.55));
  r = axis_range({0.0, 0.0, 0.0}, false);  // flat at zero
  CHECK(r.first == Approx(-1));
  CHECK(r.second == Approx(1));
  r = axis_range({3.0}, true);  // an integer axis pads by at least one
  CHECK(r.first == Approx(2));
  CHECK(r.second == Approx(4));
  r = axis_range({1.0, kNaN, 2.0, kInf}, false);  // non-finite values are ignored
  CHECK(r.first == Approx(0.95));
  CHECK(r.second == Approx(2.05));
  r = axis_range({}, false);  // nothing yet
  CHECK(r.first == 0);
  CHECK(r.second == 1);
  r = axis_range({kNaN}, true);
  CHECK(r.first == 0);
  CHECK(r.second == 1);
}

TEST_CASE("plot_render: ticks are multiples of a nice step inside the range") {
  Ticks t = make_ticks(0, 1, 5, false);
  CHECK(t.step == Approx(0.2));
  REQUIRE(t.values.size() == 6);
  CHECK(t.values.front() == 0);
  CHECK(t.values.back() == Approx(1));

  t = make_ticks(0.8, 5.2, 10, true);  // epochs 1..5: never half an epoch
  CHECK(t.step == 1);
  CHECK(t.values == std::vector<double>{1, 2, 3, 4, 5});

  t = make_ticks(-0.37, 2.41, 6, false);
  CHECK(t.step == Approx(0.5));
  REQUIRE(t.values.size() == 5);
  CHECK(t.values.front() == 0);  // exactly zero, not -0 or 1e-17
  CHECK(t.values.back() == Approx(2));

  t = make_ticks(900, 1100, 8, true);
  CHECK(t.step == 50);
  CHECK(t.values == std::vector<double>{900, 950, 1000, 1050, 1100});

  CHECK(make_ticks(1, 1, 5, false).values.empty());  // a degenerate range yields no ticks, never a loop
  CHECK(make_ticks(0, kInf, 5, false).values.empty());
}

TEST_CASE("plot_render: tick labels are short and distinct") {
  CHECK(format_tick(0.30000000000000004, 0.1, 1, false) == "0.3");
  CHECK(format_tick(1.5, 0.5, 2, false) == "1.5");
  CHECK(format_tick(2, 0.5, 2, false) == "2.0");
  CHECK(format_tick(0.05, 0.05, 0.3, false) == "0.05");
  CHECK(format_tick(1e-17, 0.1, 1, false) == "0");
  CHECK(format_tick(20, 5, 25, false) == "20");
  CHECK(format_tick(2e-4, 1e-4, 3e-4, false) == "2e-04");
  CHECK(format_tick(2.5e6, 5e5, 5e6, false) == "2.5e+06");
  CHECK(format_tick(150000, 50000, 300000, true) == "150000");

  // Every tick of a typical loss axis gets its own label.
  Ticks t = make_ticks(0.0123, 0.0456, 8, false);
  std::set<std::string> labels;
  for (double v : t.values) labels.insert(format_tick(v, t.step, 0.0456, false));
  CHECK(labels.size() == t.values.size());
}
