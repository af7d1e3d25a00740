#!/usr/bin/env bash
# The regression sample end to end: set up and build, write the data and the scripted model with Python,
# train with trainkit, then load the trained weights back in Python and evaluate them (check.py exits 1
# when training did not pay off). Results land in samples/regression/result/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
/usr/bin/python3 samples/regression/make_data.py
rm -rf samples/regression/result  # a fresh run: an earlier run's checkpoints would compete with this one's
build/bin/trainkit run samples/regression/manifest.toml "$@"
/usr/bin/python3 samples/regression/check.py
