#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running Switchboard: installs what is
# missing, builds, and starts the console (or the headless server when there is no display)
# on the embedded default configuration. Extra arguments go to switchboard.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-deps.sh
./scripts/build.sh
exec "${SWITCHBOARD_BUILD_DIR:-build}/app/switchboard" "$@"
