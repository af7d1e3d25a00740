// trainkit data: the `idx` format, MNIST-family IDX files, straight from `.gz` or from the plain file.
//
//   IdxSplit train = load_idx_split("/usr/share/datasets/fashion-mnist", "train", /*limit=*/0);
//   train.count;  train.rows;  train.images[i * train.rows * train.cols + r * train.cols + c];
//   std::unique_ptr<Source> src = open_idx("/usr/share/datasets/fashion-mnist", "train", 0);
//
// Every problem (missing file, bad magic, wrong rank, truncated or corrupt data, images and labels that
// disagree) is a ConfigError whose message names the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/source.h"

namespace trainkit::data {

// Use for the raw contents of one IDX file of unsigned bytes.
struct IdxArray {
  std::string path;
  std::vector<int64_t> dims;   // dims[0] is the number of records as stored in the file
  int64_t records = 0;         // records read: dims[0], or fewer when a limit was given
  std::vector<uint8_t> bytes;  // records * dims[1] * ... row-major
};

// Reads an IDX file of unsigned bytes with `rank` dimensions; gzip or plain (told apart by content).
// `limit` > 0 reads only the first `limit` records, which for `.gz` also means decompressing only them.
IdxArray read_idx(const std::string& path, int rank, int64_t limit = 0);

// Use for one split (train, t10k, ...) of an image classification data set.
struct IdxSplit {
  std::string images_path;
  std::string labels_path;
  int64_t count = 0;
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<uint8_t> images;  // count * rows * cols, row-major, 0..255
  std::vector<uint8_t> labels;  // count class indices
};

// The file `<root>/<name>`, or `<root>/<name>.gz` when the plain one does not exist.
// Throws ConfigError naming both candidates when neither exists.
std::string find_idx_file(const std::string& root, const std::string& name);

// Reads `<root>/<stem>-images-idx3-ubyte(.gz)` and `<stem>-labels-idx1-ubyte(.gz)`, the first `limit`
// examples (0 = all), and checks that both hold the same number of records.
IdxSplit load_idx_split(const std::string& root, const std::string& stem, int64_t limit = 0);

// load_idx_split as a source with the fields `image` (float32 [1, rows, cols], value / 255, kept as bytes
// until read: a quarter of the memory) and `label` (int64).
std::unique_ptr<Source> open_idx(const std::string& root, const std::string& stem, int64_t limit = 0);

}  // namespace trainkit::data
