// runtime/data/image_folder: torchvision's ImageFolder layout, decoded, converted and resized.
#include "data/image_folder.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "data_fixtures.h"

namespace trainkit::testing {
namespace {

using Catch::Matchers::Contains;

// A binary PPM (P6, RGB) or PGM (P5, gray) of w x h pixels whose every byte is `value`.
void write_pnm(const std::string& path, int w, int h, bool rgb, uint8_t value) {
  const std::string header = std::string(rgb ? "P6" : "P5") + "\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
  std::vector<uint8_t> bytes(header.begin(), header.end());
  bytes.insert(bytes.end(), static_cast<size_t>(w * h * (rgb ? 3 : 1)), value);
  write_plain(path, bytes);
}

TEST_CASE("image_folder: classes are the sorted folders, images their files, found recursively", "[data][image]") {
  TempDir dir;
  for (const char* c : {"dog", "cat", "ant"}) fs::create_directories(dir.path() / c / "more");
  write_pnm(dir / "dog/b.ppm", 4, 2, true, 255);
  write_pnm(dir / "dog/a.PPM", 4, 2, true, 51);
  write_pnm(dir / "cat/more/z.pgm", 4, 2, false, 102);
  write_pnm(dir / "ant/x.ppm", 4, 2, true, 0);
  write_text(dir / "ant/readme.txt", "not an image");
  auto src = data::open_image_folder(dir.path().string(), {}, nullptr);
  REQUIRE(src->size() == 4);
  CHECK(src->fields()[0].shape == std::vector<int64_t>{3, 2, 4});
  CHECK(src->fields()[1].class_names == std::vector<std::string>{"ant", "cat", "dog"});
  CHECK(read_all<int64_t>(*src, "label") == std::vector<int64_t>{0, 1, 2, 2});
  const std::vector<float> images = read_all<float>(*src, "image");
  CHECK(images[0] == 0.0f);
  CHECK(images[24] == 102.0f / 255.0f);      // a gray image repeated in three channels
  CHECK(images[24 + 23] == 102.0f / 255.0f);
  CHECK(images[48] == 51.0f / 255.0f);       // dog/a.PPM before dog/b.ppm
  CHECK(images[72 + 23] == 1.0f);
}

TEST_CASE("image_folder: channels = 1 and a validation folder with the training classes", "[data][image]") {
  TempDir dir;
  fs::create_directories(dir.path() / "train/a");
  fs::create_directories(dir.path() / "train/b");
  fs::create_directories(dir.path() / "val/b");
  write_pnm(dir / "train/a/1.ppm", 3, 3, true, 10);
  write_pnm(dir / "train/b/1.ppm", 3, 3, true, 10);
  write_pnm(dir / "val/b/1.pgm", 3, 3, false, 20);
  data::ImageFolderOptions gray;
  gray.channels = 1;
  auto train = data::open_image_folder(dir / "train", gray, nullptr);
  auto val = data::open_image_folder(dir / "val", gray, train.get());
  CHECK(val->fields()[0].shape == std::vector<int64_t>{1, 3, 3});
  CHECK(read_all<int64_t>(*val, "label") == std::vector<int64_t>{1});  // b is class 1 of the training folder
  fs::create_directories(dir.path() / "val/c");
  write_pnm(dir / "val/c/1.pgm", 3, 3, false, 20);
  CHECK_THROWS_WITH(data::open_image_folder(dir / "val", gray, train.get()),
                    Contains("class folder \"c\" is not a class of the training folder"));
}

TEST_CASE("image_folder: bad folders and images are refused with the path named", "[data][image]") {
  TempDir dir;
  CHECK_THROWS_WITH(data::open_image_folder(dir / "none", {}, nullptr), Contains("none") && Contains("no such folder"));
  CHECK_THROWS_WITH(data::open_image_folder(dir.path().string(), {}, nullptr), Contains("no class folder"));
  fs::create_directories(dir.path() / "a");
  CHECK_THROWS_WITH(data::open_image_folder(dir.path().string(), {}, nullptr),
                    Contains("/a") && Contains("no image in this class folder"));
  write_pnm(dir / "a/1.ppm", 4, 4, true, 1);
  write_pnm(dir / "a/2.ppm", 2, 2, true, 1);
  write_text(dir / "a/3.png", "not a png");
  auto src = data::open_image_folder(dir.path().string(), {}, nullptr);
  std::vector<float> image(3 * 4 * 4);
  CHECK_THROWS_WITH(src->read(0, 1, image.data()), Contains("2.ppm") && Contains("set data.size"));
  CHECK_THROWS_WITH(src->read(0, 2, image.data()), Contains("3.png") && Contains("cannot decode"));
}

TEST_CASE("image_folder: size resizes bilinearly with half-pixel centres", "[data][image]") {
  // 1x2 -> 1x4: sample points x = (i + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (edge).
  const float in[] = {0.0f, 1.0f};
  float out[4] = {};
  data::resize_bilinear(in, 1, 1, 2, out, 1, 4);
  CHECK(out[0] == 0.0f);
  CHECK(out[1] == 0.25f);
  CHECK(out[2] == 0.75f);
  CHECK(out[3] == 1.0f);
  // Downscaling 4x4 -> 2x2 samples at 0.5 and 2.5: the mean of each 2x2 block for a linear ramp.
  float ramp[16];
  for (int i = 0; i < 16; ++i) ramp[i] = static_cast<float>(i % 4);
  float small[4] = {};
  data::resize_bilinear(ramp, 1, 4, 4, small, 2, 2);
  CHECK(small[0] == 0.5f);
  CHECK(small[1] == 2.5f);

  TempDir dir;
  fs::create_directories(dir.path() / "a");
  write_pnm(dir / "a/1.ppm", 5, 3, true, 255);
  data::ImageFolderOptions o;
  o.size = std::array<int64_t, 2>{8, 6};
  auto src = data::open_image_folder(dir.path().string(), o, nullptr);
  CHECK(src->fields()[0].shape == std::vector<int64_t>{3, 8, 6});
  const std::vector<float> image = read_all<float>(*src, "image");
  // (1 - t) * 1 + t * 1 rounds to within an ulp of 1 in float.
  CHECK(std::all_of(image.begin(), image.end(), [](float v) { return std::fabs(v - 1.0f) < 1e-6f; }));
}

}  // namespace
}  // namespace trainkit::testing
