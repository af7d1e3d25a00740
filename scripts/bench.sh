#!/usr/bin/env bash
# Builds the benchmarks and prints every ratio of docs/performance.md, each against its baseline measured in
# the same run on this machine: snapshot stalls, synchronous writes, the torch format and loads of a real run
# (snapshot_bench), the archive at several state sizes (state_archive_bench), and the training loop against
# a bare LibTorch loop and a bare Python loop (loop_overhead_bench).
#
#   scripts/bench.sh                      # everything (about 15 minutes on a quiet 2-core machine)
#   SIZES="10 100" LOOP_ITERATIONS=1000 scripts/bench.sh   # shorter
#
# Environment: BUILD_DIR (build), SIZES in MiB ("10 100 1024"), SNAPSHOTS per writer (12), REPEATS (3),
# LOOP_ITERATIONS (3000). Numbers from a busy machine are noise: run it alone.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"
SIZES="${SIZES:-10 100 1024}"
SNAPSHOTS="${SNAPSHOTS:-12}"
REPEATS="${REPEATS:-3}"
LOOP_ITERATIONS="${LOOP_ITERATIONS:-3000}"

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
ninja -C "$BUILD_DIR" state_archive_bench snapshot_bench loop_overhead_bench

echo "== machine"
lscpu | grep -E '^(Model name|CPU\(s\)|Thread\(s\) per core)'
echo "kernel: $(uname -r); transparent huge pages: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo n/a)"
mkdir -p "$BUILD_DIR/bench-tmp"
echo "disk of $BUILD_DIR/bench-tmp: $(findmnt -n -o SOURCE,FSTYPE,OPTIONS -T "$BUILD_DIR/bench-tmp" || echo unknown)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "== snapshots of a real run"
"$BUILD_DIR/bench/snapshot_bench" "$SNAPSHOTS"

for size in $SIZES; do
  echo
  echo "== the archive with $size MiB of state"
  "$BUILD_DIR/bench/state_archive_bench" "$size" "" "$REPEATS"
done

echo
echo "== the training loop"
"$BUILD_DIR/bench/loop_overhead_bench" "$LOOP_ITERATIONS" "$REPEATS"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
