#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite: installs what is missing,
# builds once, and runs every unit and integration test with CTest on all cores.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-deps.sh --test
./scripts/build.sh
export QT_QPA_PLATFORM=offscreen
ctest --test-dir "${SWITCHBOARD_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" --timeout 300 "$@"
