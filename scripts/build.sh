#!/usr/bin/env bash
# Configures (once) and builds Switchboard in ./build with Ninja and ccache.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${SWITCHBOARD_BUILD_DIR:-build}
# Let ccache share objects between clones in different folders (CI builds in a fresh one).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build_dir" -j "$(nproc)"
