// trainkit catalogue: the interval a hyperparameter must lie in, stated once for every check of it.
//
//   const Range lr = Range::at_least(0);
//   lr.admits(0.05);   // true; NaN is admitted by no range
//   lr.rule();         // "must be >= 0", the words both the manifest and the LibTorch side print
#pragma once

#include <limits>
#include <string>

namespace trainkit::catalogue {

// Use to bound a number in the catalogue; `rule()` is the end of the message for a value outside it.
struct Range {
  double low = -std::numeric_limits<double>::infinity();
  bool low_open = true;
  double high = std::numeric_limits<double>::infinity();
  bool high_open = true;

  static Range at_least(double low) { return {low, false, std::numeric_limits<double>::infinity(), true}; }
  static Range above(double low) { return {low, true, std::numeric_limits<double>::infinity(), true}; }
  // [low, high)
  static Range from_below(double low, double high) { return {low, false, high, true}; }
  // [low, high]
  static Range between(double low, double high) { return {low, false, high, false}; }
  // (low, inf]: a bound where infinity means "no bound" (trainer.clip_grad_norm, its norm type).
  static Range above_or_inf(double low) { return {low, true, std::numeric_limits<double>::infinity(), false}; }

  bool admits(double value) const;
  // "must be >= 0", "must be > 0", "must be in [0, 1)"; a range up to infinity, closed or not, says only
  // its low end.
  std::string rule() const;
};

}  // namespace trainkit::catalogue
