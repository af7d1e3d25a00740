// plot_report: Chainer's PlotReport. Each call adds one point per y key -- the key's mean since the previous
// call (the host's summary), at the current iteration or epoch -- then redraws the whole plot and replaces
// out/<filename> atomically. A key the interval did not observe gets no point for that call.
//
// Drawing is cairo (plot_render.*) instead of matplotlib: PNG or SVG by the file's extension, nice ticks on
// both axes, a legend outside the plot area. The points are the extension's state, so a resumed run's plot
// continues the same curves. Only rank 0 writes; every rank keeps the points so any rank's state is whole.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include <trainkit/sdk.hpp>
#include <trainkit/sdk/atomic_file.hpp>
#include <trainkit/sdk/json.hpp>

#include "plot_render.h"

namespace {

struct Point {
  int64_t iteration, epoch;
  double value;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

tk_plot::Format format_of(const std::string& filename) {
  std::string name = lower(filename);
  if (ends_with(name, ".png")) return tk_plot::Format::png;
  if (ends_with(name, ".svg")) return tk_plot::Format::svg;
  throw tk::Error(TK_ERR_INVALID, "filename \"", filename,
                  "\" must end in .png or .svg (the extension chooses the image format)");
}

std::vector<std::string> checked_keys(std::vector<std::string> keys) {
  if (keys.empty())
    throw tk::Error(TK_ERR_INVALID, "y_keys is required and must name at least one observation key to plot, "
                                    "e.g. y_keys = [\"main/loss\", \"validation/main/loss\"]");
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].empty()) throw tk::Error(TK_ERR_INVALID, "y_keys[", i, "] is empty");
    if (std::find(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(i), keys[i]) != keys.begin() + static_cast<std::ptrdiff_t>(i))
      throw tk::Error(TK_ERR_INVALID, "y_keys lists \"", keys[i], "\" twice");
  }
  return keys;
}

int checked_size(const char* name, int64_t value, int64_t min) {
  const int64_t max = 16384;
  if (value < min || value > max)
    throw tk::Error(TK_ERR_INVALID, name, " must be between ", min, " and ", max, " pixels, got ", value);
  return static_cast<int>(value);
}

class PlotReport final : public tk::Extension {
 public:
  static tk::ClassSpec spec() {
    return {"plot_report",
            "plots the means of observations since the last call against iteration or epoch to a PNG or SVG "
            "in out/ (Chainer's PlotReport)",
            "1 epoch",
            TK_PRIORITY_READER,
            TK_EXTENSION_WANTS_SUMMARY,
            {tk::option::required(tk::option::string_list(
                 "y_keys", nullptr, "observation keys to plot, one line each, e.g. [\"main/loss\", \"validation/main/loss\"]")),
             tk::option::choice("x_key", "iteration", {"iteration", "epoch"}, "the x axis"),
             tk::option::out_file("filename", "plot.png", "file in out/; ending in .png writes a PNG, .svg an SVG"),
             tk::option::choice("marker", "x", {"x", "o", ".", ""}, "marker at each point; \"\" for none"),
             tk::option::boolean("grid", "true", "light grey grid lines at the ticks"),
             tk::option::integer("width", "800", "image width in pixels (200..16384)"),
             tk::option::integer("height", "500", "image height in pixels (150..16384)"),
             tk::option::string("title", "", "title above the plot; \"\" for none")},
            /*state_version=*/1};
  }

  PlotReport(const tk::Config& cfg, const tk::Host& host)
      : Extension(host),
        y_keys_(checked_keys(cfg.get_string_list("y_keys"))),
        filename_(cfg.get_string("filename")),
        format_(format_of(filename_)),
        points_(y_keys_.size()) {
    style_.x_label = cfg.get_choice("x_key");
    style_.marker = cfg.get_choice("marker");
    style_.grid = cfg.get_bool("grid");
    style_.width = checked_size("width", cfg.get_int("width"), 200);
    style_.height = checked_size("height", cfg.get_int("height"), 150);
    style_.title = cfg.get_string("title");
  }

  void call(tk::Context& ctx) override {
    tk::ScalarView summary = ctx.summary();
    for (size_t k = 0; k < y_keys_.size(); ++k)
      if (auto mean = summary.find(y_keys_[k])) points_[k].push_back({ctx.iteration(), ctx.epoch(), *mean});

    // Every rank sees the same out/; one writer keeps the file whole.
    if (ctx.rank() != 0) return;
    tk::write_file_atomically(ctx.out_dir() + "/" + filename_, draw());
  }

  // State: {"<key>": [[iteration, epoch, mean], ...], ...} as one JSON string. Both counters are kept so a
  // resumed run may switch x_key. Series of keys no longer in y_keys are dropped; new keys start empty.
  void visit(tk::StateVisitor& v) override {
    std::string text;
    if (v.saving()) {
      tk::json::Value all = tk::json::Value::object();
      for (size_t k = 0; k < y_keys_.size(); ++k) {
        tk::json::Value list = tk::json::Value::array();
        for (auto& p : points_[k]) {
          tk::json::Value point = tk::json::Value::array();
          point.push_back(p.iteration);
          point.push_back(p.epoch);
          point.push_back(p.value);
          list.push_back(std::move(point));
        }
        all.set(y_keys_[k], std::move(list));
      }
      text = tk::json::dump(all);
    }
    if (!v("points", text) || !v.loading()) return;
    tk::json::Value saved = tk::json::parse(text);
    if (!saved.is_object()) throw tk::Error(TK_ERR_INVALID, "saved plot points are not a JSON object");
    std::vector<std::vector<Point>> restored(y_keys_.size());
    for (size_t k = 0; k < y_keys_.size(); ++k) {
      const tk::json::Value* list = saved.find(y_keys_[k]);
      if (list == nullptr) continue;
      if (!list->is_array()) throw tk::Error(TK_ERR_INVALID, "saved points of \"", y_keys_[k], "\" are not a list");
      for (size_t i = 0; i < list->size(); ++i) {
        const tk::json::Value& p = list->at(i);
        if (!p.is_array() || p.size() != 3 || !p.at(2).is_number())
          throw tk::Error(TK_ERR_INVALID, "saved point ", i, " of \"", y_keys_[k],
                          "\" is not [iteration, epoch, value]");
        restored[k].push_back({p.at(0).as_int(), p.at(1).as_int(), p.at(2).as_double()});
      }
    }
    points_ = std::move(restored);
  }

 private:
  std::string draw() const {
    std::vector<tk_plot::Series> series;
    const bool by_epoch = style_.x_label == "epoch";
    for (size_t k = 0; k < y_keys_.size(); ++k) {
      tk_plot::Series s{y_keys_[k], {}, {}};
      for (auto& p : points_[k]) {
        s.x.push_back(static_cast<double>(by_epoch ? p.epoch : p.iteration));
        s.y.push_back(p.value);
      }
      series.push_back(std::move(s));
    }
    try {
      return tk_plot::render(series, style_, format_);
    } catch (const std::runtime_error& e) {
      throw tk::Error(TK_ERR_INTERNAL, "drawing ", filename_, ": ", e.what());
    }
  }

  std::vector<std::string> y_keys_;
  std::string filename_;
  tk_plot::Format format_;
  tk_plot::Style style_;
  std::vector<std::vector<Point>> points_;  // per y key, in call order
};

}  // namespace

TK_PLUGIN("org.trainkit.plot_report", "1.0.0",
          "Chainer's PlotReport: the means of observations against iteration or epoch, as PNG or SVG in out/",
          PlotReport)
