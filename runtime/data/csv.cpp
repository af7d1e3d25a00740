#include "data/csv.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/name_list.h"
#include "core/spelling.h"
#include "data/array_source.h"

namespace trainkit::data {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TK_CHECK(in, ConfigError, path, ": cannot open data file (", std::strerror(errno), ")");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The cell as a number, when all of it is one (surrounding spaces allowed).
bool parse_number(const std::string& cell, double& out) {
  if (cell.empty()) return false;
  const char* begin = cell.c_str();
  char* end = nullptr;
  errno = 0;
  out = std::strtod(begin, &end);
  if (end == begin) return false;
  while (*end == ' ') ++end;
  return *end == '\0';
}

// The columns of one field in one file, found by name.
std::vector<size_t> column_indices(const CsvTable& t, const CsvOptions::FieldColumns& f, const std::string& path) {
  std::vector<size_t> out;
  for (const std::string& c : f.columns) {
    auto it = std::find(t.header.begin(), t.header.end(), c);
    TK_CHECK(it != t.header.end(), ConfigError, path, ": field \"", f.name, "\": no column \"", c,
             "\" in the header (it has ", name_list(t.header, Quoted::kYes), ")", did_you_mean(c, t.header));
    out.push_back(static_cast<size_t>(it - t.header.begin()));
  }
  return out;
}

DLDataType dtype_named(const std::string& name) {
  if (name == "float64") return {kDLFloat, 64, 1};
  if (name == "int64") return kInt64;
  return kFloat32;
}

template <class T>
void put(std::vector<uint8_t>& bytes, size_t at, T v) {
  std::memcpy(bytes.data() + at * sizeof(T), &v, sizeof(T));
}

// Builds one field's array for one file, numeric or by class names.
Array field_array(const CsvOptions::FieldColumns& f, DLDataType dtype, const std::vector<std::string>* classes,
                  const CsvTable& t, const std::string& path) {
  const std::vector<size_t> cols = column_indices(t, f, path);
  const size_t width = cols.size();
  const auto records = static_cast<int64_t>(t.rows.size());
  Field field{f.name, classes ? kInt64 : dtype, f.shape, classes ? *classes : std::vector<std::string>{}};
  std::vector<uint8_t> bytes(static_cast<size_t>(records) * field.example_bytes());
  for (size_t r = 0; r < t.rows.size(); ++r) {
    for (size_t k = 0; k < width; ++k) {
      const std::string& cell = t.rows[r][cols[k]];
      const size_t at = r * width + k;
      const std::string where = str_cat(path, ": row ", r + 2, ", column \"", t.header[cols[k]], "\"");
      if (classes) {
        const auto it = std::lower_bound(classes->begin(), classes->end(), cell);
        put<int64_t>(bytes, at, it - classes->begin());
        continue;
      }
      double v = 0;
      TK_CHECK(parse_number(cell, v), ConfigError, where, ": \"", cell, "\" is not a number");
      if (field.dtype.code == kDLInt) {
        TK_CHECK(std::nearbyint(v) == v && std::fabs(v) < 9.0e15, ConfigError, where, ": ", cell,
                 " is not an integer (field \"", f.name, "\" is int64)");
        put<int64_t>(bytes, at, static_cast<int64_t>(v));
      } else if (field.dtype.bits == 64) {
        put<double>(bytes, at, v);
      } else {
        put<float>(bytes, at, static_cast<float>(v));
      }
    }
  }
  return owned_array(std::move(field), std::move(bytes), records);
}

}  // namespace

CsvTable parse_csv(const std::string& text, const std::string& path) {
  CsvTable t;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;      // inside a quoted cell
  bool was_quoted = false;  // the current cell began with a quote
  size_t line = 1;
  auto end_row = [&] {
    row.push_back(cell);
    cell.clear();
    was_quoted = false;
    const bool blank = row.size() == 1 && row[0].empty();
    if (!blank) {
      if (t.header.empty()) {
        t.header = row;
      } else {
        TK_CHECK(row.size() == t.header.size(), ConfigError, path, ": line ", line, " has ", row.size(),
                 " cells but the header has ", t.header.size());
        t.rows.push_back(row);
      }
    }
    row.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
    } else if (c == '"' && cell.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == ',') {
      row.push_back(cell);
      cell.clear();
      was_quoted = false;
    } else if (c == '\n') {
      end_row();
      ++line;
    } else if (c != '\r') {
      cell += c;
    }
  }
  TK_CHECK(!quoted, ConfigError, path, ": a quoted cell is not closed before the end of the file");
  if (!cell.empty() || !row.empty()) end_row();
  TK_CHECK(!t.header.empty(), ConfigError, path, ": empty file (a header row is needed)");
  std::set<std::string> seen;
  for (const std::string& h : t.header)
    TK_CHECK(seen.insert(h).second, ConfigError, path, ": column \"", h, "\" appears twice in the header");
  TK_CHECK(!t.rows.empty(), ConfigError, path, ": no rows after the header");
  return t;
}

Splits open_csv(const CsvOptions& options, const std::string& train_path, const std::string& validation_path) {
  std::vector<std::pair<const CsvTable*, std::string>> files;
  const CsvTable train = parse_csv(read_text(train_path), train_path);
  files.emplace_back(&train, train_path);
  CsvTable validation;
  if (!validation_path.empty()) {
    validation = parse_csv(read_text(validation_path), validation_path);
    files.emplace_back(&validation, validation_path);
  }
  std::vector<CsvOptions::FieldColumns> fields = options.fields;
  if (fields.empty())
    for (const std::string& h : train.header) fields.push_back({h, {h}, {}});
  for (const auto& [name, type] : options.dtypes) {
    const bool known = std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return f.name == name; });
    TK_CHECK(known, ConfigError, train_path, ": data.dtypes names field \"", name, "\", which is not a field");
  }

  // A field is numeric when every cell of its columns in every file is a number; otherwise, with one
  // column, its cells are class names.
  std::vector<std::unique_ptr<std::vector<std::string>>> class_lists;
  std::vector<DLDataType> dtypes;
  for (const auto& f : fields) {
    std::set<std::string> names;
    std::string text_cell, text_where, empty_where;
    for (const auto& [table, path] : files) {
      const std::vector<size_t> cols = column_indices(*table, f, path);
      for (size_t r = 0; r < table->rows.size(); ++r)
        for (size_t c : cols) {
          const std::string& cell = table->rows[r][c];
          double v = 0;
          if (parse_number(cell, v)) continue;
          const std::string where = str_cat(path, ": row ", r + 2, ", column \"", table->header[c], "\"");
          if (cell.empty()) {
            if (empty_where.empty()) empty_where = where;
            continue;
          }
          if (text_where.empty()) {
            text_cell = cell;
            text_where = where;
          }
          names.insert(cell);
        }
    }
    TK_CHECK(empty_where.empty(), ConfigError, empty_where, ": empty cell (field \"", f.name, "\" needs a ",
             names.empty() ? "number" : "class name", " in every row)");
    std::string type = "float32";
    for (const auto& [name, t] : options.dtypes)
      if (name == f.name) type = t;
    if (text_where.empty()) {
      class_lists.emplace_back();
      dtypes.push_back(dtype_named(type));
      continue;
    }
    TK_CHECK(f.columns.size() == 1, ConfigError, text_where, ": \"", text_cell, "\" is not a number (field \"",
             f.name, "\" spans several columns, which must all be numeric)");
    TK_CHECK(type == "float32" || type == "int64", ConfigError, text_where, ": \"", text_cell,
             "\" is not a number, but data.dtypes makes field \"", f.name, "\" ", type);
    class_lists.push_back(std::make_unique<std::vector<std::string>>(names.begin(), names.end()));
    dtypes.push_back(kInt64);
  }

  Splits out;
  for (size_t file = 0; file < files.size(); ++file) {
    const auto& [table, path] = files[file];
    std::vector<Array> arrays;
    for (size_t i = 0; i < fields.size(); ++i)
      arrays.push_back(field_array(fields[i], dtypes[i], class_lists[i].get(), *table, path));
    auto source = std::make_unique<ArraySource>(path, std::move(arrays));
    (file == 0 ? out.train : out.validation) = std::move(source);
  }
  return out;
}

}  // namespace trainkit::data
