#!/usr/bin/env bash
# The README's test command, and what CI runs (.ci/run): installs the Debian packages, builds, runs the
# whole suite with ctest, then (unless TRAINKIT_QUICK=1) the sanitizer runs (scripts/sanitize.sh) and each
# fuzz target for a bounded time (scripts/fuzz.sh). Any failure fails the command, after every part ran.
# Usage: scripts/test.sh [ctest arguments]...   e.g. TRAINKIT_QUICK=1 scripts/test.sh -L unit
# docs/testing.md says what each part covers and how long it takes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
status=0
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@" || status=1
if [ "${TRAINKIT_QUICK:-0}" != 1 ]; then
  scripts/sanitize.sh || status=1
  scripts/fuzz.sh "${TRAINKIT_FUZZ_SECONDS:-60}" || status=1
fi
exit "$status"
