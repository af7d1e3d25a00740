// trainkit data: the `csv` format, a comma-separated file with a header row.
//
//   data::CsvOptions o;
//   o.fields = {{"x", {"a", "b", "c"}, {3}}, {"y", {"label"}, {}}};   // [data.fields]
//   data::Splits s = data::open_csv(o, "/data/train.csv", "/data/val.csv");
//   s.train->fields();   // x: float32 [3]; y: int64 [] when "label" holds strings, float32 [] otherwise
//
// A column whose every cell (in train and validation) is a number is numeric: float32 unless
// CsvOptions::dtypes says "float64" or "int64". Any other column holds class names: its field is int64,
// the class indices of the names sorted by byte value, the same mapping for both files
// (Field::class_names). Quoted cells ("a, b", "say ""hi""") are read as RFC 4180 writes them.
// Every problem names the file, and the row and column where there is one.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "data/source.h"

namespace trainkit::data {

// Use for what [data] says about a CSV file.
struct CsvOptions {
  struct FieldColumns {
    std::string name;
    std::vector<std::string> columns;
    std::vector<int64_t> shape;  // of one example, holding columns.size() values: [], [k], [1, 2, 2], ...
  };
  std::vector<FieldColumns> fields;  // empty: every column is a scalar field of its own name
  // Row-major: the columns fill the shape in the order they are listed (a row of pixels, then the next).
  std::vector<std::pair<std::string, std::string>> dtypes;  // field -> "float32" | "float64" | "int64"
};

// The validation split is null when validation_path is "".
Splits open_csv(const CsvOptions& options, const std::string& train_path, const std::string& validation_path);

// One parsed file, for tests and tools: the header and the rows, every row as long as the header.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
CsvTable parse_csv(const std::string& text, const std::string& path);

}  // namespace trainkit::data
