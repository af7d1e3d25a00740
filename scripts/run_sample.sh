#!/usr/bin/env bash
# The main job: set up, build, and train the Fashion-MNIST sample with the standard plugins.
# Results land in samples/fashion_mnist/result/ (log, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
exec build/bin/trainkit run samples/fashion_mnist/manifest.toml "$@"
