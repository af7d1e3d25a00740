// plot_report: Chainer's PlotReport drawn with cairo. The images are decoded and their pixels inspected:
// the plot area holds each series' colour where the data says it should, the legend holds the colours and
// text, the axes have tick labels. Runs through the plugin's C ABI with the test host.
#include <catch2/catch.hpp>

#include <cairo.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <trainkit/sdk/json.hpp>

#include "plugin_host.h"

using namespace tk_test;

namespace {

// ---- images ---------------------------------------------------------------------------------------------

struct Rgb {
  int r, g, b;
};
const Rgb kBlue{0x1f, 0x77, 0xb4}, kOrange{0xff, 0x7f, 0x0e}, kGreen{0x2c, 0xa0, 0x2c};

// A decoded PNG: cairo_image_surface_create_from_png, pixels as RGB.
struct Image {
  int width = 0, height = 0;
  std::vector<Rgb> px;
  const Rgb& at(int x, int y) const { return px[static_cast<size_t>(y) * width + x]; }
};

Image decode(const std::string& path) {
  std::unique_ptr<cairo_surface_t, void (*)(cairo_surface_t*)> s(cairo_image_surface_create_from_png(path.c_str()),
                                                                   &cairo_surface_destroy);
  REQUIRE(cairo_surface_status(s.get()) == CAIRO_STATUS_SUCCESS);
  cairo_surface_flush(s.get());
  Image img;
  img.width = cairo_image_surface_get_width(s.get());
  img.height = cairo_image_surface_get_height(s.get());
  const int stride = cairo_image_surface_get_stride(s.get());
  const unsigned char* data = cairo_image_surface_get_data(s.get());
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) {
      uint32_t p = *reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride + 4 * x);
      img.px.push_back({static_cast<int>((p >> 16) & 0xff), static_cast<int>((p >> 8) & 0xff), static_cast<int>(p & 0xff)});
    }
  return img;
}

bool near(const Rgb& a, const Rgb& b) { return std::abs(a.r - b.r) + std::abs(a.g - b.g) + std::abs(a.b - b.b) < 40; }
bool non_white(const Rgb& p) { return p.r < 245 || p.g < 245 || p.b < 245; }
bool dark(const Rgb& p) { return p.r < 110 && p.g < 110 && p.b < 110; }  // text, frame

// A region in fractions of the image: [x0, x1) x [y0, y1).
struct Region {
  double x0, y0, x1, y1;
};

template <class Pred>
int count(const Image& img, Region r, Pred pred) {
  int n = 0;
  for (int y = static_cast<int>(r.y0 * img.height); y < static_cast<int>(r.y1 * img.height); ++y)
    for (int x = static_cast<int>(r.x0 * img.width); x < static_cast<int>(r.x1 * img.width); ++x)
      n += pred(img.at(x, y)) ? 1 : 0;
  return n;
}

// Mean row of the pixels of one colour in a region; -1 if there are none.
double mean_row(const Image& img, Region r, Rgb colour) {
  double sum = 0, n = 0;
  for (int y = static_cast<int>(r.y0 * img.height); y < static_cast<int>(r.y1 * img.height); ++y)
    for (int x = static_cast<int>(r.x0 * img.width); x < static_cast<int>(r.x1 * img.width); ++x)
      if (near(img.at(x, y), colour)) {
        sum += y;
        ++n;
      }
  return n > 0 ? sum / n : -1;
}

// Width and height from the PNG's IHDR chunk.
std::pair<uint32_t, uint32_t> png_size(const std::string& bytes) {
  REQUIRE(bytes.size() > 24);
  REQUIRE(bytes.compare(12, 4, "IHDR") == 0);
  auto be32 = [&](size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  return {be32(16), be32(20)};
}

const std::string kPngSignature("\x89PNG\r\n\x1a\n", 8);

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// ---- training -------------------------------------------------------------------------------------------

// Epoch e of 5 has ended (10 iterations each): the loss fell, the validation accuracy rose.
void end_of_epoch(TestContext& ctx, int epoch) {
  ctx.iteration = epoch * ctx.iterations_per_epoch;
  ctx.summary.clear();
  ctx.summary.set("main/loss", 2.0 / epoch);
  ctx.summary.set("validation/main/accuracy", 1.0 - 0.5 / epoch);
  ctx.summary.set("main/other", 42);  // observed but not plotted
}

const Strings kKeys = {"main/loss", "validation/main/accuracy"};

tk::json::Value saved_points(Instance& ext) {
  MemoryState state;
  ext.save(state);
  REQUIRE(state.values.count("points") == 1);
  return tk::json::parse(std::get<std::string>(state.values.at("points")));
}

}  // namespace

TEST_CASE("plot_report: draws a readable PNG of a falling loss and a rising accuracy") {
  FakeHost host;
  Plugin plugin("plot_report", host);
  TempDir dir;
  Instance ext(plugin, host, "plot_report", {{"y_keys", kKeys}, {"x_key", std::string("epoch")}});
  TestContext ctx;
  ctx.out_dir = dir.path();
  ext.initialize(ctx);
  for (int epoch = 1; epoch <= 5; ++epoch) {
    end_of_epoch(ctx, epoch);
    ext.call(ctx);
    CHECK(dir.list() == Strings{"plot.png"});  // rewritten each call; no temp file left behind
  }

  std::string bytes = dir.read("plot.png");
  CHECK(bytes.compare(0, 8, kPngSignature) == 0);
  CHECK(png_size(bytes) == std::make_pair(800u, 500u));
  Image img = decode(dir.file("plot.png"));
  REQUIRE(img.width == 800);
  REQUIRE(img.height == 500);

  // White background: the corners, and most of the image.
  CHECK(!non_white(img.at(0, 0)));
  CHECK(!non_white(img.at(799, 499)));
  CHECK(count(img, {0, 0, 1, 1}, non_white) < 800 * 500 / 4);

  // The plot area (left two thirds) holds both series' colours. The loss falls and the accuracy rises, so
  // in screen rows (down is larger) the loss is lower at epoch 5 (right edge) than at epoch 1 (left edge),
  // and the accuracy higher.
  const Region plot{0.08, 0.1, 0.68, 0.85}, plot_left{0.06, 0.05, 0.15, 0.9}, plot_right{0.6, 0.05, 0.69, 0.9};
  CHECK(count(img, plot, [](const Rgb& p) { return near(p, kBlue); }) > 300);
  CHECK(count(img, plot, [](const Rgb& p) { return near(p, kOrange); }) > 300);
  CHECK(mean_row(img, plot_right, kBlue) > mean_row(img, plot_left, kBlue) + 200);
  CHECK(mean_row(img, plot_right, kOrange) < mean_row(img, plot_left, kOrange) - 50);
  CHECK(count(img, plot, [](const Rgb& p) { return near(p, kGreen); }) == 0);  // only two series

  // The legend (top right, outside the plot area): both colours and text.
  const Region legend{0.72, 0.0, 1.0, 0.3};
  CHECK(count(img, legend, [](const Rgb& p) { return near(p, kBlue); }) > 20);
  CHECK(count(img, legend, [](const Rgb& p) { return near(p, kOrange); }) > 20);
  CHECK(count(img, legend, dark) > 100);
  CHECK(count(img, {0.72, 0.35, 1.0, 1.0}, non_white) == 0);  // nothing under the legend

  // Tick labels left of the plot area, tick labels and the x label under it.
  CHECK(count(img, {0.0, 0.1, 0.045, 0.85}, dark) > 50);
  CHECK(count(img, {0.1, 0.9, 0.65, 1.0}, dark) > 60);
}

TEST_CASE("plot_report: width and height set the image size") {
  FakeHost host;
  Plugin plugin("plot_report", host);
  TempDir dir;
  Instance ext(plugin, host, "plot_report",
               {{"y_keys", kKeys}, {"width", int64_t{640}}, {"height", int64_t{360}}, {"title", std::string("run 7")},
                {"marker", std::string("o")}, {"grid", false}, {"filename", std::string("curves.PNG")}});
  TestContext ctx;
  ctx.out_dir = dir.path();
  for (int epoch = 1; epoch <= 3; ++epoch) {
    end_of_epoch(ctx, epoch);
    ext.call(ctx);
  }
  CHECK(dir.list() == Strings{"curves.PNG"});
  std::string bytes = dir.read("curves.PNG");
  CHECK(bytes.compare(0, 8, kPngSignature) == 0);
  CHECK(png_size(bytes) == std::make_pair(640u, 360u));
  Image img = decode(dir.file("curves.PNG"));
  CHECK(count(img, {0.3, 0.0, 0.7, 0.08}, dark) > 30);  // the title
  CHECK(count(img, {0.08, 0.1, 0.68, 0.85}, [](const Rgb& p) { return near(p, kBlue); }) > 100);
}

TEST_CASE("plot_report: writes an SVG when the filename ends in .svg") {
  FakeHost host;
  Plugin plugin("plot_report", host);
  TempDir dir;
  Instance ext(plugin, host, "plot_report", {{"y_keys", kKeys}, {"filename", std::string("plot.svg")}});
  TestContext ctx;
  ctx.out_dir = dir.path();
  for (int epoch = 1; epoch <= 5; ++epoch) {
    end_of_epoch(ctx, epoch);
    ext.call(ctx);
  }
  CHECK(dir.list() == Strings{"plot.svg"});
  std::string svg = dir.read("plot.svg");
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\"") != std::string::npos);
  CHECK(svg.find("width=\"800px\" height=\"500px\"") != std::string::npos);
  CHECK(svg.find("</svg>") != std::string::npos);
  CHECK(svg.find("</svg>") > svg.size() - 10);
  CHECK(occurrences(svg, "<g") >= occurrences(svg, "</g>"));
  // cairo draws text as glyph outlines (<symbol id="glyph...">, placed by <use>), so the key names are not
  // text in the drawing; plot_report names them in the SVG's <desc> for search and screen readers.
  CHECK(svg.find("<desc>x: iteration; series: main/loss, validation/main/accuracy</desc>") != std::string::npos);
  // Every visible character of the legend and the x label is one placed glyph, plus the tick labels.
  size_t chars = std::string("main/lossvalidation/main/accuracyiteration").size();
  CHECK(occurrences(svg, "<use xlink:href=\"#glyph") > chars);
  CHECK(occurrences(svg, "<symbol") >= 15);  // distinct glyphs: letters, '/', digits
  // The series' lines: stroked in tab10 blue and orange.
  CHECK(svg.find("stroke:rgb(12.156863%,46.666667%,70.588235%)") != std::string::npos);
  CHECK(svg.find("stroke:rgb(100%,49.803922%,5.490196%)") != std::string::npos);
}

TEST_CASE("plot_report: a key missing from an interval gets no point for that call") {
  FakeHost host;
  Plugin plugin("plot_report", host);
  TempDir dir;
  Instance ext(plugin, host, "plot_report", {{"y_keys", kKeys}});
  TestContext ctx;
  ctx.out_dir = dir.path();
  end_of_epoch(ctx, 1);
  ext.call(ctx);
  ctx.iteration = 20;
  ctx.summary.clear();
  ctx.summary.set("main/loss", 0.75);  // no validation this time
  ext.call(ctx);

  tk::json::Value points = saved_points(ext);
  const tk::json::Value* loss = points.find("main/loss");
  const tk::json::Value* acc = points.find("validation/main/accuracy");
  REQUIRE(loss != nullptr);
  REQUIRE(acc != nullptr);
  REQUIRE(loss->size() == 2);
  CHECK(acc->size() == 1);
  CHECK(loss->at(1).at(0).as_int() == 20);  // [iteration, epoch, mean]
  CHECK(loss->at(1).at(1).as_int() == 2);
  CHECK(loss->at(1).at(2).as_double() == 0.75);
  CHECK(points.find("main/other") == nullptr);
}

TEST_CASE("plot_report: a resumed run continues the same curves") {
  FakeHost host;
  Plugin plugin("plot_report", host);
  const Options options = {{"y_keys", kKeys}, {"x_key", std::string("epoch")}};

  TempDir straight;
  {
    Instance ext(plugin, host, "plot_report", options);
    TestContext ctx;
    ctx.out_dir = straight.path();
    for (int epoch = 1; epoch <= 5; ++epoch) {
      end_of_epoch(ctx, epoch);
      ext.call(ctx);
    }
  }

  TempDir resumed;
  MemoryState state;
  {
    Instance ext(plugin, host, "plot_report", options);
    TestContext ctx;
    ctx.out_dir = resumed.path();
    for (int epoch = 1; epoch <= 3; ++epoch) {
      end_of_epoch(ctx, epoch);
      ext.call(ctx);
    }
    ext.save(state);
  }
  Instance ext(plugin, host, "plot_report", options);
  ext.load(state, 1);
  TestContext ctx;
  ctx.out_dir = resumed.path();
  ctx.state_restored = true;
  ext.initialize(ctx);
  for (int epoch = 4; epoch <= 5; ++epoch) {
    end_of_epoch(ctx, epoch);
    ext.call(ctx);
  }

  tk::json::Value points = saved_points(ext);
  CHECK(points.find("main/loss")->size() == 5);
  CHECK(points.find("validation/main/accuracy")->size() == 5);
  CHECK(points.find("main/loss")->at(0).at(1).as_int() == 1);
  // Drawing is deterministic: the resumed run's image is the uninterrupted run's, byte for byte.
  CHECK(resumed.read("plot.png") == straight.read("plot.png"));
}

TEST_CASE("plot_report: state keeps both counters, so a resumed run may switch x_key") {
  FakeHost host;
  Plugin plugin("plot_report", host);
  MemoryState state;
  {
    Instance ext(plugin, host, "plot_report", {{"y_keys", kKeys}});
    TestContext ctx;
    ctx.out_dir = "/nonexistent";
    ctx.rank = 1;  // no file: only rank 0 writes
    end_of_epoch(ctx, 1);
    ext.call(ctx);
    ext.save(state);
  }
  // A new key starts empty; a key no longer plotted is dropped.
  Instance ext(plugin, host, "plot_report", {{"y_keys", Strings{"main/loss", "main/other"}}, {"x_key", std::string("epoch")}});
  ext.load(state, 1);
  tk::json::Value points = saved_points(ext);
  CHECK(points.find("main/loss")->size() == 1);
  CHECK(points.find("main/other")->size() == 0);
  CHECK(points.find("validation/main/accuracy") == nullptr);

  state.values["points"] = std::string("{\"main/loss\": [[10, 1]]}");
  CHECK_THROWS_WITH(ext.load(state, 1), Catch::Contains("[iteration, epoch, value]"));
  state.values["points"] = std::string("[]");
  CHECK_THROWS_WITH(ext.load(state, 1), Catch::Contains("JSON object"));
}

TEST_CASE("plot_report: only rank 0 writes") {
  FakeHost host;
  Plugin plugin("plot_report", host);
  TempDir dir;
  Instance ext(plugin, host, "plot_report", {{"y_keys", kKeys}});
  TestContext ctx;
  ctx.out_dir = dir.path();
  ctx.rank = 1;
  end_of_epoch(ctx, 1);
  ext.call(ctx);
  CHECK(dir.list().empty());
  CHECK(saved_points(ext).find("main/loss")->size() == 1);  // the points are kept on every rank
}

TEST_CASE("plot_report: a single point, a flat series and a NaN still draw") {
  FakeHost host;
  Plugin plugin("plot_report", host);
  TempDir dir;
  Instance ext(plugin, host, "plot_report", {{"y_keys", Strings{"main/loss"}}, {"marker", std::string("")}});
  TestContext ctx;
  ctx.out_dir = dir.path();
  ctx.iteration = 10;
  ctx.summary.set("main/loss", 0.5);
  ext.call(ctx);  // one point, no marker: drawn as a dot
  Image img = decode(dir.file("plot.png"));
  CHECK(count(img, {0.08, 0.1, 0.68, 0.85}, [](const Rgb& p) { return near(p, kBlue); }) > 5);

  for (int i = 2; i <= 4; ++i) {  // flat
    ctx.iteration = 10 * i;
    ext.call(ctx);
  }
  img = decode(dir.file("plot.png"));
  CHECK(count(img, {0.08, 0.1, 0.68, 0.85}, [](const Rgb& p) { return near(p, kBlue); }) > 300);

  ctx.iteration = 50;
  ctx.summary.set("main/loss", std::nan(""));  // a diverged interval breaks the line
  ext.call(ctx);
  ctx.iteration = 60;
  ctx.summary.set("main/loss", 0.25);
  ext.call(ctx);
  CHECK(dir.list() == Strings{"plot.png"});
  CHECK(std::isnan(saved_points(ext).find("main/loss")->at(4).at(2).as_double()));
}

TEST_CASE("plot_report: refuses bad options at create with a clear message") {
  FakeHost host;
  Plugin plugin("plot_report", host);
  auto refused = [&](const Options& options, const std::string& message) {
    INFO(message);
    auto [status, text] = Instance::try_create(plugin, host, "plot_report", options);
    CHECK(status == TK_ERR_INVALID);
    CHECK_THAT(text, Catch::Contains(message));
  };
  refused({}, "y_keys is required");
  refused({{"y_keys", Strings{}}}, "y_keys is required");
  refused({{"y_keys", Strings{"main/loss", "main/loss"}}}, "lists \"main/loss\" twice");
  refused({{"y_keys", kKeys}, {"filename", std::string("plot.jpg")}}, "\"plot.jpg\" must end in .png or .svg");
  refused({{"y_keys", kKeys}, {"filename", std::string("")}}, "must end in .png or .svg");
  refused({{"y_keys", kKeys}, {"x_key", std::string("elapsed_time")}}, "x_key must be one of \"iteration\", \"epoch\"");
  refused({{"y_keys", kKeys}, {"marker", std::string("*")}}, "marker must be");
  refused({{"y_keys", kKeys}, {"width", int64_t{10}}}, "width must be between 200 and 16384");
  refused({{"y_keys", kKeys}, {"height", int64_t{100000}}}, "height must be between 150 and 16384");
  CHECK(Instance::try_create(plugin, host, "plot_report", {{"y_keys", kKeys}}).first == TK_OK);
}

TEST_CASE("plot_report: a missing out folder fails the call with the path") {
  FakeHost host;
  Plugin plugin("plot_report", host);
  Instance ext(plugin, host, "plot_report", {{"y_keys", kKeys}});
  TestContext ctx;
  ctx.out_dir = "/nonexistent/out";
  end_of_epoch(ctx, 1);
  CHECK_THROWS_WITH(ext.call(ctx), Catch::Contains("/nonexistent/out/plot.png"));
}

// Not run by default: renders a realistic plot for a person to look at.
//   plot_report_test "[.sample]"   (writes $TK_PLOT_SAMPLE, default /tmp/plot_sample.png)
TEST_CASE("plot_report: sample image for a person to look at", "[.sample]") {
  FakeHost host;
  Plugin plugin("plot_report", host);
  TempDir dir;
  Instance ext(plugin, host, "plot_report",
               {{"y_keys", Strings{"main/loss", "validation/main/loss", "main/accuracy", "validation/main/accuracy"}},
                {"x_key", std::string("epoch")},
                {"title", std::string("Fashion-MNIST MLP")}});
  TestContext ctx;
  ctx.out_dir = dir.path();
  ctx.iterations_per_epoch = 469;
  for (int epoch = 1; epoch <= 20; ++epoch) {
    ctx.iteration = epoch * ctx.iterations_per_epoch;
    double wiggle = 0.01 * std::sin(epoch * 1.7);
    ctx.summary.clear();
    ctx.summary.set("main/loss", 0.25 + 0.45 * std::exp(-epoch / 4.0) + wiggle);
    ctx.summary.set("validation/main/loss", 0.31 + 0.35 * std::exp(-epoch / 5.0) + 0.004 * epoch - wiggle);
    ctx.summary.set("main/accuracy", 0.91 - 0.16 * std::exp(-epoch / 4.0) + wiggle / 2);
    ctx.summary.set("validation/main/accuracy", 0.885 - 0.12 * std::exp(-epoch / 5.0) - wiggle / 2);
    ext.call(ctx);
  }
  const char* target = std::getenv("TK_PLOT_SAMPLE");
  std::string path = target ? target : "/tmp/plot_sample.png";
  std::filesystem::copy_file(dir.file("plot.png"), path, std::filesystem::copy_options::overwrite_existing);
  INFO(path);
  CHECK(std::filesystem::file_size(path) > 1000);
}
