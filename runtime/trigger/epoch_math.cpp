#include "trigger/epoch_math.h"

#include <algorithm>
#include <cmath>

namespace trainkit {
namespace {

constexpr double kRelativeSnap = 1e-12;  // Note [Epoch boundaries in floating point]

}  // namespace

int64_t floor_periods(double value, double period) {
  const double ratio = value / period;
  const double whole = std::floor(ratio);
  const double snap = kRelativeSnap * std::max(1.0, std::fabs(ratio));
  return static_cast<int64_t>(ratio - whole >= 1.0 - snap ? whole + 1 : whole);
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
  int64_t i = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(epochs * iterations_per_epoch)));
  while (i > 1 && at(i - 1)) --i;
  while (!at(i)) ++i;
  return i;
}

}  // namespace trainkit
