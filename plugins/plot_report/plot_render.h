// plot_render: draws line plots of training curves with cairo, into PNG or SVG bytes in memory.
//
//   tk_plot::Style style;                        // 800x500, marker "x", grid on
//   style.x_label = "epoch";
//   std::vector<tk_plot::Series> series = {{"main/loss", {1, 2, 3}, {0.9, 0.5, 0.4}}};
//   std::string png = tk_plot::render(series, style, tk_plot::Format::png);
//
// Kept apart from the extension so the tests can check the axis arithmetic (nice ticks, padded ranges,
// labels) directly. Non-finite values are not drawn: a NaN or infinite mean breaks its series' line.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tk_plot {

struct Series {
  std::string name;
  std::vector<double> x, y;  // same length
};

struct Style {
  int width = 800, height = 500;  // pixels
  std::string title;              // "" for none
  std::string x_label;
  std::string marker = "x";       // "x", "o", "." or "" (none)
  bool grid = true;
};

enum class Format { png, svg };

// The whole image as PNG or SVG bytes. Throws std::runtime_error if cairo fails.
std::string render(const std::vector<Series>& series, const Style& style, Format format);

// ---- axis arithmetic (exposed for tests) ------------------------------------------------------------

// The smallest 1, 2 or 5 x 10^k that is >= raw (1 for a raw step that is not positive and finite).
double nice_step(double raw);

// The axis limits for these values: 5% padding each side; a single value or a flat series gets a range
// around it (at least +-1 on an integer axis, +-10% or +-1 at zero otherwise); no finite value gives [0, 1].
std::pair<double, double> axis_range(const std::vector<double>& values, bool integer);

struct Ticks {
  double step = 1;
  std::vector<double> values;  // multiples of step within [lo, hi]
};
// About `target` ticks between lo and hi at a nice step (>= 1 on an integer axis).
Ticks make_ticks(double lo, double hi, int target, bool integer);

// A tick label: integers on an integer axis; otherwise as many decimals as the step needs, or scientific
// notation ("1.5e-04") when the axis spans values >= 1e6 or only values < 1e-3 (scale = max |limit|).
std::string format_tick(double value, double step, double scale, bool integer);

}  // namespace tk_plot
