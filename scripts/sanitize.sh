#!/usr/bin/env bash
# The sanitizer runs of CI (docs/testing.md, "Sanitizer runs"): the unit, abi and e2e tiers (all but `slow`)
# built with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/), then the
# snapshot writer and logging tests built with ThreadSanitizer (build-tsan/). Any report fails the run, even one from a child process whose
# exit code a test does not look at: reports go to files, and a file left means a finding.
# Usage: scripts/sanitize.sh [asan|tsan]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=("$@")
if [ "${#runs[@]}" -eq 0 ]; then runs=(asan tsan); fi

# -O1 -g1: half the compile time of -O2 -g (runtime/torch/loss.cpp: 38 s instead of 69 s of CPU), and the line
# tables a sanitizer report needs; -O1 is what the sanitizers' own documentation recommends.
configure() {  # <build dir> <TRAINKIT_SANITIZE value>
  mkdir -p "$1"
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRAINKIT_SANITIZE="$2" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DTRAINKIT_BUILD_BENCH=OFF ${CMAKE_ARGS:-} > "$1/configure.log" || { cat "$1/configure.log"; exit 1; }
}

# Empties the report folder, runs ctest, then fails if a test failed or any process left a report.
run_ctest() {  # <build dir> <ctest arguments>...
  local build="$1" reports="$1/sanitizer-reports"
  shift
  rm -rf "$reports" && mkdir -p "$reports"
  local status=0
  ctest --test-dir "$build" --output-on-failure -j "$(nproc)" "$@" || status=1
  if compgen -G "$reports/*" > /dev/null; then
    status=1
    for f in "$reports"/*; do echo "==== $f"; head -n 80 "$f"; done
  fi
  return "$status"
}

status=0
for run in "${runs[@]}"; do
  case "$run" in
    asan)
      configure build-asan ON
      cmake --build build-asan
      # LibTorch, Boost and Python's torch are not instrumented (Note [Sanitizer options] in docs/testing.md).
      # handle_*=0: tests that crash a process on purpose expect the signal, not ASan's report.
      export ASAN_OPTIONS="log_path=$PWD/build-asan/sanitizer-reports/asan:detect_leaks=1:handle_segv=0:handle_sigbus=0:handle_sigfpe=0"
      export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
      export UBSAN_OPTIONS="log_path=$PWD/build-asan/sanitizer-reports/ubsan:halt_on_error=1:print_stacktrace=1"
      run_ctest build-asan -LE slow || status=1
      unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
      ;;
    tsan)
      configure build-tsan thread
      # Only what the TSan tests need: the snapshot writers through their C ABI, and the trainer's log.
      cmake --build build-tsan --target snapshot_plugin_test trainer_test
      export TSAN_OPTIONS="log_path=$PWD/build-tsan/sanitizer-reports/tsan:halt_on_error=1:second_deadlock_stack=1"
      run_ctest build-tsan -R "^(snapshot_plugin_test:|trainer_test$)" || status=1
      unset TSAN_OPTIONS
      ;;
    *) echo "sanitize.sh: unknown run '$run' (asan or tsan)" >&2; exit 2 ;;
  esac
done
exit "$status"
