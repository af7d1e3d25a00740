// A sample dataset plugin, built out of tree against the installed SDK (no LibTorch): "bars", 8x8 gray
// images of a horizontal, a vertical or a diagonal bar on noise, three classes.
//
// Every example is a pure function of (seed, split, index): the host reads examples ahead of training and
// in its own shuffled order, so an example must not depend on which were read before. The state the
// class keeps is what the examples are made from (seed, noise, bar width); a resume with other options
// would train on other data, so a loading visit refuses it with the reason.
#include <trainkit/sdk.hpp>

#include <cstdint>
#include <string>

namespace {

constexpr int64_t kSide = 8;
constexpr int64_t kClasses = 3;

// SplitMix64: a tiny, well-mixed hash, so the pixel noise needs no generator state.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// FNV-1a: the same split name gives the same salt on every platform (std::hash promises no such thing).
uint64_t salt(const std::string& text) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001B3ull;
  return mix(h);
}

double unit(uint64_t x) { return static_cast<double>(mix(x) >> 11) * (1.0 / 9007199254740992.0); }

class Bars final : public tk::Dataset {
 public:
  static tk::DatasetSpec spec() {
    return {"bars",
            "8x8 images of a horizontal, vertical or diagonal bar on noise (3 classes)",
            {tk::option::integer("examples", "1200", "examples in each split"),
             tk::option::integer("seed", "0", "what the examples are drawn from"),
             tk::option::real("noise", "0.3", "largest noise value added to each pixel (0..1)"),
             tk::option::integer("width", "2", "bar width in pixels (1..4)")},
            /*state_version=*/1};
  }

  Bars(const tk::Config& cfg, const tk::Host& host, const std::string& split)
      : Dataset(host),
        examples_(cfg.get_int("examples")),
        seed_(cfg.get_int("seed")),
        noise_(cfg.get_float("noise")),
        width_(cfg.get_int("width")),
        split_salt_(salt(split)) {
    if (examples_ <= 0) throw tk::Error(TK_ERR_INVALID, "examples must be > 0, got ", examples_);
    if (noise_ < 0 || noise_ > 1) throw tk::Error(TK_ERR_INVALID, "noise must be in 0..1, got ", noise_);
    if (width_ < 1 || width_ > 4) throw tk::Error(TK_ERR_INVALID, "width must be 1..4, got ", width_);
    add_field("image", tk::dtype::float32, {1, kSide, kSide});
    add_field("label", tk::dtype::int64, {});
  }

  int64_t size() const override { return examples_; }

  void read(int64_t index, tk::Example& out) const override {
    const uint64_t key = mix(static_cast<uint64_t>(seed_) ^ split_salt_) ^ static_cast<uint64_t>(index);
    const int64_t label = static_cast<int64_t>(mix(key) % kClasses);
    const int64_t at = static_cast<int64_t>(mix(key + 1) % static_cast<uint64_t>(kSide - width_ + 1));
    float* image = out.data<float>("image");
    for (int64_t r = 0; r < kSide; ++r) {
      for (int64_t c = 0; c < kSide; ++c) {
        const int64_t along = label == 0 ? r : label == 1 ? c : (r - c + kSide) % kSide;
        const bool bar = along >= at && along < at + width_;
        const double noise = noise_ * unit(key * 131 + static_cast<uint64_t>(r * kSide + c) + 7);
        image[r * kSide + c] = static_cast<float>(bar ? 1.0 - noise : noise);
      }
    }
    out.data<int64_t>("label")[0] = label;
  }

  // What the examples are made from: saved, and compared when a run resumes.
  void visit(tk::StateVisitor& v) override {
    int64_t seed = seed_, width = width_;
    double noise = noise_;
    v("seed", seed);
    v("noise", noise);
    v("width", width);
    if (v.loading() && (seed != seed_ || noise != noise_ || width != width_))
      throw tk::Error(TK_ERR_STATE_VERSION, "the snapshot was trained on bars with seed ", seed, ", noise ", noise,
                      ", width ", width, "; this run asks for seed ", seed_, ", noise ", noise_, ", width ", width_,
                      ", which gives other examples: resume with the same [data.options]");
  }

 private:
  int64_t examples_;
  int64_t seed_;
  double noise_;
  int64_t width_;
  uint64_t split_salt_;
};

}  // namespace

TK_DATASET_PLUGIN("org.example.bars", "1.0.0", "Sample dataset plugin: images of bars", Bars)
