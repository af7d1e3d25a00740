#!/usr/bin/env bash
# Set up, build, and run the whole test suite (unit, ABI, end-to-end) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
