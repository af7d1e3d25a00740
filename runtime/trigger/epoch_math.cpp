#include "trigger/epoch_math.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace trainkit {
namespace {

constexpr double kRelativeSnap = 1e-12;  // Note [Epoch boundaries in floating point]

// How far first_iteration_reaching walks from the real-number answer. The exact answer is within one or
// two iterations of it while epochs x iterations per epoch stays below ~10^12 (the note's limit); past
// that the snap may move it further, and the walk stops here rather than count for hours.
constexpr int64_t kMaxWalk = 1024;

// x as an int64, saturated: 2^63 and above (and NaN) give INT64_MAX, below -2^63 INT64_MIN. A plain
// cast of such a double is undefined behaviour; "1e-30 epoch" made ratios of 1e29.
int64_t saturating_int(double x) {
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (!(x < kTwoTo63)) return std::numeric_limits<int64_t>::max();
  if (x < -kTwoTo63) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(x);
}

}  // namespace

int64_t floor_periods(double value, double period) {
  const double ratio = value / period;
  const double whole = std::floor(ratio);
  const double snap = kRelativeSnap * std::max(1.0, std::fabs(ratio));
  return saturating_int(ratio - whole >= 1.0 - snap ? whole + 1 : whole);
}

bool reached(double value, double point) {
  if (point <= 0) return value >= point;
  return floor_periods(value, point) >= 1;
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && (a < 0)) --q;
  return q;
}

int64_t first_iteration_reaching(double epochs, double iterations_per_epoch) {
  // Start from the real-number answer, then walk to the exact one under the same snap as reached(),
  // so a stop trigger and its progress bar never disagree by one iteration.
  auto at = [&](int64_t i) { return reached(static_cast<double>(i) / iterations_per_epoch, epochs); };
  int64_t i = std::max<int64_t>(1, saturating_int(std::ceil(epochs * iterations_per_epoch)));
  for (int64_t steps = 0; steps < kMaxWalk && i > 1 && at(i - 1); ++steps) --i;
  for (int64_t steps = 0; steps < kMaxWalk && i < std::numeric_limits<int64_t>::max() && !at(i); ++steps) ++i;
  return i;
}

}  // namespace trainkit
