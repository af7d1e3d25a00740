#!/usr/bin/env bash
# Installs every Debian package trainkit needs, then configures and builds it with Ninja.
# Usage: scripts/setup.sh [BUILD_DIR]   (default: build). Runs apt-get as root (via sudo when needed).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${1:-build}"

PACKAGES=(
  g++ cmake ninja-build pkg-config
  clang  # tests/abi builds a plugin with clang++ to show the ABI does not depend on the compiler; fuzz/ too
  libclang-rt-14-dev  # libFuzzer and the sanitizer runtimes for clang (only recommended by clang)
  libtorch-dev python3-torch
  libopenblas0-pthread  # LibTorch on Debian falls back to the reference BLAS without it: ~14x slower
  libboost-dev libboost-filesystem-dev libboost-serialization-dev
  libtomlplusplus-dev catch2 libdlpack-dev libxxhash-dev zlib1g-dev
  dataset-fashion-mnist
  nlohmann-json3-dev  # tests read the JSON logs with it
  libcairo2-dev fonts-dejavu-core  # plot_report draws its PNG/SVG with cairo; its text needs a font
  libzip-dev  # [data] format = "npz": NumPy's np.savez archives are zip files
  libstb-dev  # [data] format = "image_folder": stb_image decodes PNG, JPEG, BMP and PNM
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# -g1 (line tables) rather than CMake's -g: backtraces, profilers and sanitizer reports keep file and line,
# and a LibTorch file compiles in half the time (30 s instead of 66 s of CPU, runtime/torch/loss.cpp), which keeps CI
# inside its limit. For a gdb session with local variables: CMAKE_BUILD_TYPE=Debug.
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" ${CMAKE_ARGS:-}
cmake --build "$BUILD_DIR"
