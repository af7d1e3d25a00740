#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (in build-fuzz/) and runs each for a bounded time on its
# seed corpus, fuzz/corpus/<target>/. Fails on any finding; the input is kept in build-fuzz/findings/.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default: 60 seconds, every target)
#        scripts/fuzz.sh --build-only
# docs/testing.md ("Fuzzing") says how to reproduce a finding and turn it into a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${TRAINKIT_FUZZ_BUILD_DIR:-build-fuzz}"
SECONDS_PER_TARGET="${1:-60}"
shift || true

mkdir -p "$BUILD_DIR"
CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRAINKIT_FUZZ=ON \
  -DTRAINKIT_BUILD_TESTS=OFF -DTRAINKIT_BUILD_BENCH=OFF ${CMAKE_ARGS:-} > "$BUILD_DIR/configure.log" \
  || { cat "$BUILD_DIR/configure.log"; exit 1; }
cmake --build "$BUILD_DIR" --target fuzzers
if [ "$SECONDS_PER_TARGET" = "--build-only" ]; then exit 0; fi

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  for exe in "$BUILD_DIR"/fuzz/fuzz_*; do targets+=("${exe##*/fuzz_}"); done
fi

# UB is already fatal (-fno-sanitize-recover); a leak in one input is a finding too.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
status=0
for target in "${targets[@]}"; do
  findings="$BUILD_DIR/findings/$target"
  work="$BUILD_DIR/corpus/$target"  # inputs found in this run; the seeds in the repository stay as they are
  log="$BUILD_DIR/fuzz_$target.log"
  mkdir -p "$findings" "$work"
  dict=()
  if [ -f "fuzz/$target.dict" ]; then dict=(-dict="fuzz/$target.dict"); fi
  # -timeout: one input taking 10 s is a hang. -rss_limit_mb also bounds a single allocation (malloc_limit_mb).
  if "$BUILD_DIR/fuzz/fuzz_$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$findings/" "${dict[@]}" "$work" "fuzz/corpus/$target" 2> "$log"; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $target: no finding in $runs runs (${SECONDS_PER_TARGET} s)"
  else
    status=1
    tail -n 60 "$log"
    echo "fuzz: $target: FINDING (log: $log); inputs in $findings/:"
    ls -l "$findings"
    echo "fuzz: reproduce with $BUILD_DIR/fuzz/fuzz_$target <input>; once fixed, add the input to" \
         "tests/robustness/fuzz_regressions/$target/"
  fi
done
exit "$status"
