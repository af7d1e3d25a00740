// trainkit data: the `image_folder` format, torchvision's ImageFolder layout: root/<class>/**/*.png|jpg.
//
//   data::ImageFolderOptions o;  o.size = {{32, 32}};  o.channels = 3;
//   std::unique_ptr<data::Source> train = data::open_image_folder("/data/train", o, nullptr);
//   std::unique_ptr<data::Source> val = data::open_image_folder("/data/val", o, train.get());
//
// Fields: `image`, float32 [channels, H, W] with values in 0..1, and `label`, int64, the class index.
// Classes are the subfolders sorted by name (as torchvision's `sorted(os.scandir)`), files inside each
// are found recursively in sorted order. Images are decoded when read (stb_image: PNG, JPEG, BMP, PPM/PGM),
// converted to `channels` (1: gray, 3: RGB) and, with `size`, resized by bilinear interpolation with
// half-pixel centres and no antialiasing, which is `torch.nn.functional.interpolate(x, size,
// mode="bilinear", align_corners=False)` on the 0..1 image.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "data/source.h"

namespace trainkit::data {

struct ImageFolderOptions {
  std::optional<std::array<int64_t, 2>> size;  // [H, W]; unset: every image must have the first one's size
  int channels = 3;                            // 1 or 3
};

// `classes_from`: the training source, whose classes a validation folder must use (a class folder the
// training folder lacks is an error); null for the training folder itself. ConfigError naming the folder
// or file for a missing folder, a class folder without images, an image that cannot be decoded or (without
// `size`) has another size than the first.
std::unique_ptr<Source> open_image_folder(const std::string& root, const ImageFolderOptions& options,
                                          const Source* classes_from);

// Bilinear resize of a [channels, h, w] float image to [channels, out_h, out_w] (the interpolation above).
void resize_bilinear(const float* in, int64_t channels, int64_t h, int64_t w, float* out, int64_t out_h,
                     int64_t out_w);

}  // namespace trainkit::data
