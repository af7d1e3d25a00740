// plot_render: see plot_render.h. The layout, in the order it is computed:
//
//   +---------------------------------------------------------------+
//   |                        title (optional)                       |
//   |  y tick labels | plot area (grid, series)      | legend box    |
//   |                |_______________________________|               |
//   |                  x tick labels                                 |
//   |                  x label                                       |
//   +---------------------------------------------------------------+
//
// The legend sits outside the plot area so it never hides data: on the right when it takes at most 35%
// of the width, otherwise in rows under the x label. Sizes derive from one font size that follows the
// image size, so a small or a large image keeps its proportions.
#include "plot_render.h"

#include <cairo-svg.h>
#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>

namespace tk_plot {

// ---- axis arithmetic -----------------------------------------------------------------------------------

double nice_step(double raw) {
  if (!(raw > 0) || !std::isfinite(raw)) return 1;
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / magnitude;  // in [1, 10)
  const double eps = 1e-9;
  double nice = f <= 1 + eps ? 1 : f <= 2 + eps ? 2 : f <= 5 + eps ? 5 : 10;
  return nice * magnitude;
}

std::pair<double, double> axis_range(const std::vector<double>& values, bool integer) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values)
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  if (lo > hi) return {0.0, 1.0};  // nothing to show yet
  if (!(hi > lo)) {                // one value, or a flat series: never a zero-width axis
    double pad = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
    if (integer) pad = std::max(pad, 1.0);
    return {lo - pad, hi + pad};
  }
  double span = hi - lo;
  if (!std::isfinite(span)) return {lo, hi};  // beyond what padding can express; still a valid range
  return {lo - span * 0.05, hi + span * 0.05};
}

Ticks make_ticks(double lo, double hi, int target, bool integer) {
  Ticks t;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi) || !std::isfinite(hi - lo)) return t;
  t.step = nice_step((hi - lo) / std::max(target, 1));
  if (integer) t.step = std::max(t.step, 1.0);
  double first = std::ceil(lo / t.step - 1e-9), last = std::floor(hi / t.step + 1e-9);
  if (!(last - first < 1000)) return t;  // cannot happen with a sane target; never loop long
  for (double i = first; i <= last; ++i) {
    double v = i * t.step;
    if (std::abs(v) < t.step * 1e-9) v = 0;
    t.values.push_back(v);
  }
  return t;
}

std::string format_tick(double value, double step, double scale, bool integer) {
  char buf[64];
  if (integer) {
    std::snprintf(buf, sizeof buf, "%.0f", value);
    return buf;
  }
  if (std::abs(value) < step * 1e-6) return "0";
  int step_exp = static_cast<int>(std::floor(std::log10(step) + 1e-9));
  if (scale >= 1e6 || scale < 1e-3) {
    int digits = std::clamp(static_cast<int>(std::floor(std::log10(scale))) - step_exp, 0, 6);
    std::snprintf(buf, sizeof buf, "%.*e", digits, value);
  } else {
    std::snprintf(buf, sizeof buf, "%.*f", std::max(0, -step_exp), value);
  }
  return buf;
}

// ---- drawing -------------------------------------------------------------------------------------------

namespace {

struct Rgb {
  double r, g, b;
};

Rgb hex(unsigned rgb) { return {((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0}; }

// matplotlib's tab10: distinct, and familiar to anyone who has read a Chainer plot.
Rgb series_colour(size_t i) {
  static const unsigned kTab10[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                    0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
  return hex(kTab10[i % 10]);
}

const double kPi = 3.14159265358979323846;
const Rgb kWhite{1, 1, 1};
const Rgb kText = hex(0x222222);
const Rgb kAxis = hex(0x444444);
const Rgb kGrid = hex(0xe3e3e3);
const Rgb kLegendBorder = hex(0xcccccc);

void source(cairo_t* cr, Rgb c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

// Series 10..19 repeat tab10's colours dashed, 20..29 dotted, and so on, so no two series look alike
// until 30 of them.
void series_pen(cairo_t* cr, size_t i, double line_width) {
  source(cr, series_colour(i));
  cairo_set_line_width(cr, line_width);
  const double dashed[] = {line_width * 4, line_width * 2}, dotted[] = {0, line_width * 2};
  switch (i / 10 % 3) {
    case 0: cairo_set_dash(cr, nullptr, 0, 0); break;
    case 1: cairo_set_dash(cr, dashed, 2, 0); break;
    default: cairo_set_dash(cr, dotted, 2, 0); break;  // zero-length dashes with round caps: dots
  }
}

double crisp(double v) { return std::floor(v) + 0.5; }  // the middle of a pixel: 1 px lines stay sharp

double text_width(cairo_t* cr, const std::string& s) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  return e.x_advance;
}

// s, or its longest prefix (whole UTF-8 characters) plus "..." that fits in max_width.
std::string fit_text(cairo_t* cr, const std::string& s, double max_width) {
  if (text_width(cr, s) <= max_width) return s;
  std::string head = s;
  while (!head.empty()) {
    head.pop_back();
    while (!head.empty() && (static_cast<unsigned char>(head.back()) & 0xC0) == 0x80) head.pop_back();
    if (!head.empty() && (static_cast<unsigned char>(head.back()) & 0xC0) == 0xC0) head.pop_back();
    if (text_width(cr, head + "...") <= max_width) return head + "...";
  }
  return "";
}

// Draws s with its left/centre/right (align 0, 0.5, 1) at x and its visual middle at y_middle.
void draw_text(cairo_t* cr, const std::string& s, double x, double y_middle, double align) {
  cairo_font_extents_t fe;
  cairo_font_extents(cr, &fe);
  cairo_move_to(cr, x - align * text_width(cr, s), y_middle + (fe.ascent - fe.descent) / 2);
  cairo_show_text(cr, s.c_str());
}

void draw_marker(cairo_t* cr, const std::string& marker, double x, double y, double size, double line_width) {
  if (marker == "x") {
    cairo_set_line_width(cr, line_width);
    cairo_move_to(cr, x - size, y - size);
    cairo_line_to(cr, x + size, y + size);
    cairo_move_to(cr, x - size, y + size);
    cairo_line_to(cr, x + size, y - size);
    cairo_stroke(cr);
  } else if (marker == "o" || marker == ".") {
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, marker == "o" ? size : size * 0.55, 0, 2 * kPi);
    cairo_fill(cr);
  }
}

// Every size follows from one font size, which follows the image size.
struct Metrics {
  double W, H;
  double font, pad, tick_len, gap, line_width, marker_size;
  double line_h = 0;  // one line of text at `font`
  double swatch, legend_pad, row_h, text_gap;
  double legend_spacing;  // between entries of one row of the bottom legend

  Metrics(cairo_t* cr, const Style& style) : W(style.width), H(style.height) {
    font = std::clamp(std::round(std::min(W, H) / 40.0), 9.0, 16.0);
    pad = font;
    tick_len = std::round(font * 0.4);
    gap = std::round(font * 0.4);
    line_width = std::max(1.5, font / 7);
    marker_size = std::round(font * 0.33);
    select_font(cr, CAIRO_FONT_WEIGHT_NORMAL, font);
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    line_h = std::ceil(fe.ascent + fe.descent);
    swatch = std::round(font * 2.2);
    legend_pad = std::round(font * 0.6);
    row_h = std::round(line_h * 1.3);
    text_gap = std::round(font * 0.5);
    legend_spacing = font * 1.5;
  }

  static void select_font(cairo_t* cr, cairo_font_weight_t weight, double size) {
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, weight);
    cairo_set_font_size(cr, size);
  }
};

struct LegendItem {
  std::string text;  // fitted
  double width;      // swatch + gap + text
};

// The legend's box: right of the plot when it takes at most 35% of the width, else rows at the bottom.
struct Legend {
  bool right = true;
  double w = 0, h = 0;
  std::vector<LegendItem> items;
  std::vector<std::vector<size_t>> rows;  // bottom legend: item indexes per row
};

// The title, bold and larger, cut to fit the image; empty for none.
struct Title {
  std::string text;
  double h = 0, size = 0;
};

// The plot area in pixels, the data limits it shows, and the ticks of both axes with their labels.
struct Frame {
  double xlo, xhi, ylo, yhi;
  double px0 = 0, py0 = 0, px1 = 0, py1 = 0;
  double x_ticks_h = 0, x_label_h = 0;  // below the plot area: tick marks with labels, the x label
  Ticks xt, yt;
  std::vector<std::string> xlabels, ylabels;

  double X(double x) const { return px0 + (x - xlo) / (xhi - xlo) * (px1 - px0); }
  double Y(double y) const { return py1 - (y - ylo) / (yhi - ylo) * (py1 - py0); }
};

void paint_background(cairo_t* cr) {
  source(cr, kWhite);
  cairo_paint(cr);
}

// The axis limits from every finite point: an integer x axis (iterations, epochs), a real y axis.
Frame data_limits(const std::vector<Series>& series) {
  std::vector<double> xs, ys;
  for (auto& s : series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) {
        xs.push_back(s.x[i]);
        ys.push_back(s.y[i]);
      }
  const auto [xlo, xhi] = axis_range(xs, /*integer=*/true);
  const auto [ylo, yhi] = axis_range(ys, /*integer=*/false);
  Frame f;
  f.xlo = xlo;
  f.xhi = xhi;
  f.ylo = ylo;
  f.yhi = yhi;
  return f;
}

Legend layout_legend(cairo_t* cr, const std::vector<Series>& series, const Metrics& m) {
  Legend legend;
  double widest = 0;
  for (auto& s : series) widest = std::max(widest, text_width(cr, s.name));
  legend.w = 2 * m.legend_pad + m.swatch + m.text_gap + widest;
  legend.right = legend.w <= 0.35 * m.W;
  if (legend.right) {
    for (auto& s : series) legend.items.push_back({s.name, m.swatch + m.text_gap + text_width(cr, s.name)});
    legend.h = series.empty() ? 0 : 2 * m.legend_pad + m.row_h * static_cast<double>(series.size());
    return legend;
  }
  const double room = m.W - 2 * m.pad - 2 * m.legend_pad;
  double used = 0;
  for (size_t i = 0; i < series.size(); ++i) {
    std::string text = fit_text(cr, series[i].name, room - m.swatch - m.text_gap);
    double w = m.swatch + m.text_gap + text_width(cr, text);
    legend.items.push_back({text, w});
    if (legend.rows.empty() || used + m.legend_spacing + w > room) {
      legend.rows.emplace_back();
      used = w;
    } else {
      used += m.legend_spacing + w;
    }
    legend.rows.back().push_back(i);
  }
  legend.h = legend.rows.empty() ? 0 : 2 * m.legend_pad + m.row_h * static_cast<double>(legend.rows.size());
  legend.w = 0;
  for (auto& row : legend.rows) {
    double w = 0;
    for (size_t i : row) w += legend.items[i].width + (w > 0 ? m.legend_spacing : 0);
    legend.w = std::max(legend.w, w + 2 * m.legend_pad);
  }
  return legend;
}

Title measure_title(cairo_t* cr, const Style& style, const Metrics& m) {
  Title title;
  title.size = std::round(m.font * 1.25);
  if (style.title.empty()) return title;
  Metrics::select_font(cr, CAIRO_FONT_WEIGHT_BOLD, title.size);
  cairo_font_extents_t tfe;
  cairo_font_extents(cr, &tfe);
  title.h = std::ceil(tfe.ascent + tfe.descent);
  title.text = fit_text(cr, style.title, m.W - 2 * m.pad);
  Metrics::select_font(cr, CAIRO_FONT_WEIGHT_NORMAL, m.font);
  return title;
}

// The vertical layout, then the y ticks (their labels set the left margin), then the x ticks: as many as
// fit with their labels apart, but at least two.
void layout_plot_area(cairo_t* cr, const Style& style, const Metrics& m, const Legend& legend, const Title& title,
                      Frame& f) {
  const double top = std::round(m.pad + (title.text.empty() ? m.line_h / 2 : title.h + m.gap * 2));
  f.x_ticks_h = m.tick_len + m.gap + m.line_h;
  f.x_label_h = style.x_label.empty() ? 0 : m.gap + m.line_h;
  const double bottom =
      std::round(m.pad + f.x_ticks_h + f.x_label_h + (legend.right ? 0 : m.gap * 2 + legend.h));
  const double plot_h = std::max(20.0, m.H - top - bottom);

  f.yt = make_ticks(f.ylo, f.yhi, std::max(2, static_cast<int>(plot_h / (m.font * 2.5))), false);
  const double yscale = std::max(std::abs(f.ylo), std::abs(f.yhi));
  double ylabel_w = 0;
  for (double v : f.yt.values) {
    f.ylabels.push_back(format_tick(v, f.yt.step, yscale, false));
    ylabel_w = std::max(ylabel_w, text_width(cr, f.ylabels.back()));
  }
  const double left = std::round(m.pad + ylabel_w + m.gap + m.tick_len);
  const double right = std::round(legend.right ? legend.w + 2 * m.pad : m.pad + m.font * 2);
  const double plot_w = std::max(20.0, m.W - left - right);

  double min_px = std::max(m.font * 5, text_width(cr, format_tick(f.xhi, 1, 0, true)) + m.font * 2);
  for (int target = std::max(2, static_cast<int>(plot_w / min_px));; --target) {
    f.xt = make_ticks(f.xlo, f.xhi, target, true);
    f.xlabels.clear();
    double xlabel_w = 0;
    for (double v : f.xt.values) {
      f.xlabels.push_back(format_tick(v, f.xt.step, 0, true));
      xlabel_w = std::max(xlabel_w, text_width(cr, f.xlabels.back()));
    }
    double spacing_px = f.xt.step / (f.xhi - f.xlo) * plot_w;
    if (xlabel_w + m.font <= spacing_px || target <= 2) break;
  }

  f.px0 = left;
  f.py0 = top;
  f.px1 = std::round(left + plot_w);
  f.py1 = std::round(top + plot_h);
}

void draw_grid(cairo_t* cr, const Style& style, const Frame& f) {
  cairo_set_line_width(cr, 1);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
  if (!style.grid) return;
  source(cr, kGrid);
  for (double v : f.xt.values) {
    cairo_move_to(cr, crisp(f.X(v)), f.py0);
    cairo_line_to(cr, crisp(f.X(v)), f.py1);
  }
  for (double v : f.yt.values) {
    cairo_move_to(cr, f.px0, crisp(f.Y(v)));
    cairo_line_to(cr, f.px1, crisp(f.Y(v)));
  }
  cairo_stroke(cr);
}

// The frame, the tick marks, their labels and the x label (the line width and cap draw_grid set).
void draw_axes(cairo_t* cr, const Style& style, const Metrics& m, const Frame& f) {
  source(cr, kAxis);
  cairo_rectangle(cr, f.px0 + 0.5, f.py0 + 0.5, f.px1 - f.px0 - 1, f.py1 - f.py0 - 1);
  for (double v : f.xt.values) {
    cairo_move_to(cr, crisp(f.X(v)), f.py1);
    cairo_line_to(cr, crisp(f.X(v)), f.py1 + m.tick_len);
  }
  for (double v : f.yt.values) {
    cairo_move_to(cr, f.px0, crisp(f.Y(v)));
    cairo_line_to(cr, f.px0 - m.tick_len, crisp(f.Y(v)));
  }
  cairo_stroke(cr);
  source(cr, kText);
  for (size_t i = 0; i < f.xt.values.size(); ++i)
    draw_text(cr, f.xlabels[i], crisp(f.X(f.xt.values[i])), f.py1 + m.tick_len + m.gap + m.line_h / 2, 0.5);
  for (size_t i = 0; i < f.yt.values.size(); ++i)
    draw_text(cr, f.ylabels[i], f.px0 - m.tick_len - m.gap, crisp(f.Y(f.yt.values[i])), 1.0);
  if (!style.x_label.empty())
    draw_text(cr, fit_text(cr, style.x_label, m.W - 2 * m.pad), (f.px0 + f.px1) / 2,
              f.py1 + f.x_ticks_h + m.gap + m.line_h / 2, 0.5);
}

// Lines between consecutive finite points, then markers; clipped to the plot area.
void draw_series(cairo_t* cr, const std::vector<Series>& series, const Style& style, const Metrics& m,
                 const Frame& f) {
  cairo_save(cr);
  cairo_rectangle(cr, f.px0 + 1, f.py0 + 1, f.px1 - f.px0 - 2, f.py1 - f.py0 - 2);
  cairo_clip(cr);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  for (size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    series_pen(cr, k, m.line_width);
    size_t n = std::min(s.x.size(), s.y.size());
    std::vector<std::pair<double, double>> lonely;  // points with no finite neighbour
    for (size_t i = 0; i < n; ++i) {
      bool ok = std::isfinite(s.x[i]) && std::isfinite(s.y[i]);
      if (!ok) continue;
      bool prev = i > 0 && std::isfinite(s.x[i - 1]) && std::isfinite(s.y[i - 1]);
      bool next = i + 1 < n && std::isfinite(s.x[i + 1]) && std::isfinite(s.y[i + 1]);
      if (prev) cairo_line_to(cr, f.X(s.x[i]), f.Y(s.y[i]));
      else cairo_move_to(cr, f.X(s.x[i]), f.Y(s.y[i]));
      if (!prev && !next) lonely.emplace_back(f.X(s.x[i]), f.Y(s.y[i]));
    }
    cairo_stroke(cr);
    cairo_set_dash(cr, nullptr, 0, 0);  // markers are always solid
    for (size_t i = 0; i < n; ++i)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i]))
        draw_marker(cr, style.marker, f.X(s.x[i]), f.Y(s.y[i]), m.marker_size, m.line_width);
    if (style.marker.empty())  // without a marker a lone point would be invisible
      for (auto& p : lonely) draw_marker(cr, ".", p.first, p.second, m.marker_size, m.line_width);
  }
  cairo_restore(cr);
}

// A light box with one row per series (right) or rows of entries (bottom).
void draw_legend(cairo_t* cr, const std::vector<Series>& series, const Style& style, const Metrics& m,
                 const Legend& legend, const Frame& f) {
  if (series.empty()) return;
  double lx, ly;
  if (legend.right) {
    lx = f.px1 + m.pad;
    ly = f.py0;
  } else {
    lx = std::round((m.W - legend.w) / 2);
    ly = std::round(f.py1 + f.x_ticks_h + f.x_label_h + m.gap * 2);
  }
  cairo_rectangle(cr, crisp(lx), crisp(ly), std::round(legend.w), std::round(legend.h));
  cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
  cairo_fill_preserve(cr);
  source(cr, kLegendBorder);
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  auto entry = [&](size_t k, double x, double y_middle) {
    series_pen(cr, k, m.line_width);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_move_to(cr, x, y_middle);
    cairo_line_to(cr, x + m.swatch, y_middle);
    cairo_stroke(cr);
    cairo_set_dash(cr, nullptr, 0, 0);
    draw_marker(cr, style.marker, x + m.swatch / 2, y_middle, m.marker_size, m.line_width);
    source(cr, kText);
    draw_text(cr, legend.items[k].text, x + m.swatch + m.text_gap, y_middle, 0);
  };
  if (legend.right) {
    for (size_t k = 0; k < series.size(); ++k)
      entry(k, lx + m.legend_pad, crisp(ly + m.legend_pad + m.row_h * (static_cast<double>(k) + 0.5)));
    return;
  }
  for (size_t r = 0; r < legend.rows.size(); ++r) {
    double x = lx + m.legend_pad;
    for (size_t k : legend.rows[r]) {
      entry(k, x, crisp(ly + m.legend_pad + m.row_h * (static_cast<double>(r) + 0.5)));
      x += legend.items[k].width + m.legend_spacing;
    }
  }
}

// Centred over the plot area but kept inside the image.
void draw_title(cairo_t* cr, const Metrics& m, const Title& title, const Frame& f) {
  if (title.text.empty()) return;
  Metrics::select_font(cr, CAIRO_FONT_WEIGHT_BOLD, title.size);
  double w = text_width(cr, title.text);
  double centre = std::clamp((f.px0 + f.px1) / 2, m.pad + w / 2, m.W - m.pad - w / 2);
  source(cr, kText);
  draw_text(cr, title.text, centre, m.pad + title.h / 2, 0.5);
}

// The steps in the banner's order: measure, lay out, then paint from the back to the front.
void draw(cairo_t* cr, const std::vector<Series>& series, const Style& style) {
  paint_background(cr);
  const Metrics m(cr, style);
  Frame frame = data_limits(series);
  const Legend legend = layout_legend(cr, series, m);
  const Title title = measure_title(cr, style, m);
  layout_plot_area(cr, style, m, legend, title, frame);
  draw_grid(cr, style, frame);
  draw_axes(cr, style, m, frame);
  draw_series(cr, series, style, m, frame);
  draw_legend(cr, series, style, m, legend, frame);
  draw_title(cr, m, title, frame);
}

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  try {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
  } catch (...) {
    return CAIRO_STATUS_WRITE_ERROR;
  }
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// cairo draws SVG text as glyph outlines, which no search or screen reader can read: add a <title> and a
// <desc> naming the axis and the series as the <svg> element's first children.
void describe_svg(std::string& svg, const std::vector<Series>& series, const Style& style) {
  size_t open = svg.find("<svg");
  size_t end = open == std::string::npos ? open : svg.find('>', open);
  if (end == std::string::npos) return;
  std::string desc = "x: " + style.x_label + "; series:";
  for (size_t i = 0; i < series.size(); ++i) desc += (i ? ", " : " ") + series[i].name;
  std::string text = "\n<title>" + xml_escape(style.title.empty() ? "training plot" : style.title) +
                     "</title>\n<desc>" + xml_escape(desc) + "</desc>";
  svg.insert(end + 1, text);
}

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

void check(cairo_status_t status, const char* what) {
  if (status != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error(std::string("cairo ") + what + ": " + cairo_status_to_string(status));
}

}  // namespace

std::string render(const std::vector<Series>& series, const Style& style, Format format) {
  std::string out;
  std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(
      format == Format::png ? cairo_image_surface_create(CAIRO_FORMAT_RGB24, style.width, style.height)
                            : cairo_svg_surface_create_for_stream(&append_to_string, &out, style.width, style.height));
  check(cairo_surface_status(surface.get()), "cannot create a surface");
  if (format == Format::svg) cairo_svg_surface_set_document_unit(surface.get(), CAIRO_SVG_UNIT_PX);
  {
    std::unique_ptr<cairo_t, ContextDeleter> cr(cairo_create(surface.get()));
    draw(cr.get(), series, style);
    check(cairo_status(cr.get()), "drawing failed");
  }
  if (format == Format::png) {
    cairo_surface_flush(surface.get());
    check(cairo_surface_write_to_png_stream(surface.get(), &append_to_string, &out), "cannot encode the PNG");
  }
  cairo_surface_finish(surface.get());  // an SVG surface writes its document here
  check(cairo_surface_status(surface.get()), "cannot finish the image");
  if (format == Format::svg) describe_svg(out, series, style);
  return out;
}

}  // namespace tk_plot
