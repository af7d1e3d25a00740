// runtime/data/csv: a header row, fields from columns, class names sorted and shared by both files.
#include "data/csv.h"

#include <catch2/catch.hpp>

#include "core/error.h"
#include "data_fixtures.h"

namespace trainkit::testing {
namespace {

using Catch::Matchers::Contains;

TEST_CASE("parse_csv reads quoted cells as RFC 4180 writes them", "[data][csv]") {
  const data::CsvTable t = data::parse_csv("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\"two\nlines\",3\n\n", "t.csv");
  CHECK(t.header == std::vector<std::string>{"a", "b"});
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0] == std::vector<std::string>{"x, y", "say \"hi\""});
  CHECK(t.rows[1] == std::vector<std::string>{"two\nlines", "3"});
}

TEST_CASE("without [data.fields] every column is a field; numbers are float32, words are classes", "[data][csv]") {
  TempDir dir;
  write_text(dir / "train.csv", "height,weight,kind\n1.5,60,cat\n2,70.25,dog\n0.5,3,ant\n");
  write_text(dir / "val.csv", "height,weight,kind\n1,1,bee\n");
  data::Splits s = data::open_csv({}, dir / "train.csv", dir / "val.csv");
  REQUIRE(s.train->fields().size() == 3);
  CHECK(data::dtype_text(s.train->fields()[0].dtype) == "float32");
  CHECK(read_all<float>(*s.train, "weight") == std::vector<float>{60, 70.25f, 3});
  const data::Field& kind = s.train->fields()[2];
  CHECK(data::dtype_text(kind.dtype) == "int64");
  // One mapping for both files, sorted: ant bee cat dog.
  CHECK(kind.class_names == std::vector<std::string>{"ant", "bee", "cat", "dog"});
  CHECK(read_all<int64_t>(*s.train, "kind") == std::vector<int64_t>{2, 3, 0});
  CHECK(read_all<int64_t>(*s.validation, "kind") == std::vector<int64_t>{1});
}

TEST_CASE("[data.fields] groups columns; [data.dtypes] picks int64 or float64", "[data][csv]") {
  TempDir dir;
  write_text(dir / "train.csv", "a,b,c,label\n1,2,3,0\n4,5,6,1\n");
  data::CsvOptions o;
  o.fields = {{"x", {"c", "a"}, {2}}, {"y", {"label"}, {}}};
  o.dtypes = {{"y", "int64"}, {"x", "float64"}};
  data::Splits s = data::open_csv(o, dir / "train.csv", "");
  CHECK(s.validation == nullptr);
  REQUIRE(s.train->fields().size() == 2);
  CHECK(s.train->fields()[0].shape == std::vector<int64_t>{2});
  CHECK(read_all<double>(*s.train, "x") == std::vector<double>{3, 1, 6, 4});
  CHECK(read_all<int64_t>(*s.train, "y") == std::vector<int64_t>{0, 1});
}

TEST_CASE("bad CSV files and fields are refused with file, row and column named", "[data][csv]") {
  TempDir dir;
  const std::string path = dir / "bad.csv";
  auto refuses = [&](const std::string& text, const data::CsvOptions& o, const std::string& why) {
    INFO(why);
    write_text(path, text);
    CHECK_THROWS_WITH(data::open_csv(o, path, ""), Contains(path) && Contains(why));
  };
  data::CsvOptions xy;
  xy.fields = {{"x", {"a", "b"}, {2}}, {"y", {"label"}, {}}};
  refuses("a,b,label\n1,2\n", xy, "line 2 has 2 cells but the header has 3");
  refuses("a,b,lable\n1,2,3\n", xy, "no column \"label\" in the header");
  refuses("a,b,lable\n1,2,3\n", xy, "did you mean \"lable\"");
  refuses("a,b,label\n1,oops,3\n", xy, "row 2, column \"b\": \"oops\" is not a number");
  refuses("a,b,label\n1,2,3\n1,,3\n", xy, "row 3, column \"b\": empty cell");
  refuses("a,a\n1,2\n", {}, "column \"a\" appears twice");
  refuses("a,b\n", {}, "no rows after the header");
  refuses("", {}, "empty file");
  refuses("a,b\n\"1,2\n", {}, "quoted cell is not closed");
  data::CsvOptions int_y;
  int_y.dtypes = {{"b", "int64"}};
  refuses("a,b\n1,2.5\n", int_y, "row 2, column \"b\": 2.5 is not an integer");
  int_y.dtypes = {{"nope", "int64"}};
  refuses("a,b\n1,2\n", int_y, "data.dtypes names field \"nope\"");
  CHECK_THROWS_WITH(data::open_csv({}, dir / "missing.csv", ""), Contains("missing.csv") && Contains("cannot open"));
}

}  // namespace
}  // namespace trainkit::testing
