// trainkit triggers: boundary arithmetic shared by the interval and schedule triggers.
//
//   floor_periods(0.3, 0.1) == 3          // Python's 0.3 // 0.1 is 2.0
//   reached(3 / 10.0, 0.3)                // true
//   first_iteration_reaching(1.5, 3) == 5 // 1.5 epochs at 3 it/epoch end inside iteration 5
//
// Note [Epoch boundaries in floating point]: epoch_detail is iteration / iterations_per_epoch in
// binary floating point, and so is a period like 0.1 epoch. Chainer floors value / period directly,
// so "0.1 epoch" at 10 it/epoch skips iterations 3, 5, 9, ... and fires twice at others. We count a
// ratio that lies within a relative 1e-12 below a whole number as that whole number. Rounding moves
// the ratio by a few 1e-16 (relative), so the snap absorbs it with room to spare; a real iteration
// short of a boundary is at least 1 / (iterations_per_epoch * period) below it, which the snap can only
// swallow once the run passes ~10^12 iterations.
#pragma once

#include <cstdint>

namespace trainkit {

// floor(value / period) with the snap of Note [Epoch boundaries in floating point]; period > 0. Saturates at
// INT64_MAX: a period far below one iteration ("1e-30 epoch") counts as "every iteration crosses one".
int64_t floor_periods(double value, double period);

// value >= point up to rounding (same snap); point > 0. For point <= 0 a plain comparison.
bool reached(double value, double point);

// Python's a // b for b > 0 (rounds toward minus infinity, unlike C++'s a / b).
int64_t floor_div(int64_t a, int64_t b);

// The first iteration >= 1 whose epoch_detail (iteration / iterations_per_epoch) reaches `epochs`; 1 for any
// `epochs` below one iteration, INT64_MAX when the answer does not fit. Bounded time for every input.
int64_t first_iteration_reaching(double epochs, double iterations_per_epoch);

}  // namespace trainkit
