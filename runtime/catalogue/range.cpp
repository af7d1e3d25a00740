#include "catalogue/range.h"

#include <cmath>
#include <cstdint>

#include "core/error.h"

namespace trainkit::catalogue {

bool Range::admits(double value) const {
  const bool above_low = low_open ? value > low : value >= low;
  const bool below_high = high_open ? value < high : value <= high;
  return above_low && below_high;
}

namespace {

// Whole numbers in full ("16777216", not "1.67772e+07"); others in the stream's short form ("3.40282e+38").
std::string number(double value) {
  if (std::fabs(value) < 1e15 && value == std::floor(value)) return std::to_string(static_cast<int64_t>(value));
  return str_cat(value);
}

}  // namespace

std::string Range::rule() const {
  if (std::isinf(high)) return str_cat("must be ", low_open ? "> " : ">= ", number(low));
  return str_cat("must be in ", low_open ? "(" : "[", number(low), ", ", number(high), high_open ? ")" : "]");
}

}  // namespace trainkit::catalogue
