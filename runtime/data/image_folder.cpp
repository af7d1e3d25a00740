#include "data/image_folder.h"

#include <stb/stb_image.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/error.h"
#include "core/name_list.h"

namespace trainkit::data {
namespace {

namespace fs = std::filesystem;

bool is_image(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* e : {".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".pgm"})
    if (ext == e) return true;
  return false;
}

// Every image under `dir`, recursively, sorted by path.
std::vector<std::string> images_under(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::follow_directory_symlink, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec) && is_image(it->path())) out.push_back(it->path().string());
  }
  TK_CHECK(!ec, ConfigError, dir.string(), ": cannot list the folder (", ec.message(), ")");
  std::sort(out.begin(), out.end());
  return out;
}

struct StbFree {
  void operator()(unsigned char* p) const { stbi_image_free(p); }
};

class ImageFolderSource final : public Source {
 public:
  ImageFolderSource(std::string root, std::vector<std::string> files, std::vector<int64_t> labels,
                    std::vector<std::string> classes, int channels, int64_t h, int64_t w, bool resize)
      : root_(std::move(root)), files_(std::move(files)), labels_(std::move(labels)), resize_(resize) {
    fields_.push_back({"image", kFloat32, {channels, h, w}, {}});
    fields_.push_back({"label", kInt64, {}, std::move(classes)});
  }

  int64_t size() const override { return static_cast<int64_t>(files_.size()); }
  const std::vector<Field>& fields() const override { return fields_; }
  std::string origin() const override { return root_ + " (image_folder)"; }

  void read(size_t field, int64_t index, void* out) const override {
    if (field == 1) {
      std::memcpy(out, &labels_.at(static_cast<size_t>(index)), sizeof(int64_t));
      return;
    }
    const std::string& path = files_.at(static_cast<size_t>(index));
    const auto& shape = fields_[0].shape;
    const int channels = static_cast<int>(shape[0]);
    int w = 0, h = 0, n = 0;
    std::unique_ptr<unsigned char, StbFree> pixels(stbi_load(path.c_str(), &w, &h, &n, channels));
    TK_CHECK(pixels != nullptr, ConfigError, path, ": cannot decode the image (", stbi_failure_reason(), ")");
    TK_CHECK(resize_ || (h == shape[1] && w == shape[2]), ConfigError, path, ": the image is ", h, "x", w,
             " but the first image of the folder is ", shape[1], "x", shape[2],
             "; set data.size = [H, W] to resize every image");
    // stb gives interleaved HWC bytes; the field is planar CHW floats in 0..1.
    const int64_t plane = int64_t{h} * w;
    std::vector<float> chw(static_cast<size_t>(plane * channels));
    for (int64_t p = 0; p < plane; ++p)
      for (int c = 0; c < channels; ++c)
        chw[static_cast<size_t>(c * plane + p)] = static_cast<float>(pixels.get()[p * channels + c]) / 255.0f;
    auto* f = static_cast<float*>(out);
    if (resize_) {
      resize_bilinear(chw.data(), channels, h, w, f, shape[1], shape[2]);
    } else {
      std::memcpy(f, chw.data(), chw.size() * sizeof(float));
    }
  }

 private:
  std::string root_;
  std::vector<std::string> files_;
  std::vector<int64_t> labels_;
  std::vector<Field> fields_;
  bool resize_;
};

}  // namespace

void resize_bilinear(const float* in, int64_t channels, int64_t h, int64_t w, float* out, int64_t out_h,
                     int64_t out_w) {
  // Half-pixel centres: output pixel i samples input coordinate (i + 0.5) * scale - 0.5, clamped at 0,
  // as ATen's upsample_bilinear2d with align_corners=False.
  auto source = [](int64_t i, int64_t in_size, int64_t out_size, int64_t& i0, int64_t& i1, float& t) {
    const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
    float x = (static_cast<float>(i) + 0.5f) * scale - 0.5f;
    if (x < 0) x = 0;
    i0 = std::min(static_cast<int64_t>(x), in_size - 1);
    i1 = std::min(i0 + 1, in_size - 1);
    t = x - static_cast<float>(i0);
  };
  for (int64_t y = 0; y < out_h; ++y) {
    int64_t y0 = 0, y1 = 0;
    float ty = 0;
    source(y, h, out_h, y0, y1, ty);
    for (int64_t x = 0; x < out_w; ++x) {
      int64_t x0 = 0, x1 = 0;
      float tx = 0;
      source(x, w, out_w, x0, x1, tx);
      for (int64_t c = 0; c < channels; ++c) {
        const float* p = in + c * h * w;
        const float top = (1 - tx) * p[y0 * w + x0] + tx * p[y0 * w + x1];
        const float bottom = (1 - tx) * p[y1 * w + x0] + tx * p[y1 * w + x1];
        out[(c * out_h + y) * out_w + x] = (1 - ty) * top + ty * bottom;
      }
    }
  }
}

std::unique_ptr<Source> open_image_folder(const std::string& root, const ImageFolderOptions& options,
                                          const Source* classes_from) {
  std::error_code ec;
  TK_CHECK(fs::is_directory(root, ec), ConfigError, root,
           ": no such folder (format \"image_folder\" reads root/<class>/<image> files)");
  TK_CHECK(options.channels == 1 || options.channels == 3, ConfigError, "data.channels must be 1 or 3, got ",
           options.channels);
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(root, ec))
    if (entry.is_directory(ec)) found.push_back(entry.path().filename().string());
  std::sort(found.begin(), found.end());
  TK_CHECK(!found.empty(), ConfigError, root, ": no class folder (expected root/<class>/<image> files)");
  const std::vector<std::string> classes =
      classes_from ? classes_from->fields().at(field_index(*classes_from, "label")).class_names : found;

  std::vector<std::string> files;
  std::vector<int64_t> labels;
  for (const std::string& name : found) {
    const auto it = std::find(classes.begin(), classes.end(), name);
    TK_CHECK(it != classes.end(), ConfigError, root, ": class folder \"", name,
             "\" is not a class of the training folder (", name_list(classes), ")");
    const std::vector<std::string> images = images_under(fs::path(root) / name);
    TK_CHECK(!images.empty(), ConfigError, (fs::path(root) / name).string(),
             ": no image in this class folder (.png, .jpg, .jpeg, .bmp, .ppm, .pgm)");
    files.insert(files.end(), images.begin(), images.end());
    labels.insert(labels.end(), images.size(), it - classes.begin());
  }

  int64_t h = 0, w = 0;
  if (options.size) {
    h = (*options.size)[0];
    w = (*options.size)[1];
    TK_CHECK(h > 0 && w > 0, ConfigError, "data.size must be two positive numbers [H, W]");
  } else {
    int iw = 0, ih = 0, n = 0;
    TK_CHECK(stbi_info(files.front().c_str(), &iw, &ih, &n) == 1, ConfigError, files.front(),
             ": cannot decode the image (", stbi_failure_reason(), ")");
    h = ih;
    w = iw;
  }
  return std::make_unique<ImageFolderSource>(root, std::move(files), std::move(labels), classes, options.channels,
                                             h, w, options.size.has_value());
}

}  // namespace trainkit::data
