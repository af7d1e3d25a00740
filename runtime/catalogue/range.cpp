#include "catalogue/range.h"

#include <cmath>

#include "core/error.h"

namespace trainkit::catalogue {

bool Range::admits(double value) const {
  const bool above_low = low_open ? value > low : value >= low;
  const bool below_high = high_open ? value < high : value <= high;
  return above_low && below_high;
}

std::string Range::rule() const {
  if (std::isinf(high)) return str_cat("must be ", low_open ? "> " : ">= ", low);
  return str_cat("must be in ", low_open ? "(" : "[", low, ", ", high, high_open ? ")" : "]");
}

}  // namespace trainkit::catalogue
