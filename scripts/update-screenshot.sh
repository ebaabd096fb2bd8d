#!/usr/bin/env bash
# Renders the console screenshots the README shows (docs/screenshot.png, docs/people.png,
# docs/timeline.png, docs/rooms.png) with real clients, offscreen: the same tests CTest runs, told to write
# into docs/ instead of the build tree.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
build_dir=${SWITCHBOARD_BUILD_DIR:-build}
QT_QPA_PLATFORM=offscreen SWITCHBOARD_SOURCE_DIR=$PWD SWITCHBOARD_SCREENSHOT_DIR=$PWD/docs \
  "$build_dir/tests/tst_mainwindow" renderScreenshot
QT_QPA_PLATFORM=offscreen SWITCHBOARD_SOURCE_DIR=$PWD SWITCHBOARD_SCREENSHOT_DIR=$PWD/docs \
  "$build_dir/tests/tst_consolepeople"
QT_QPA_PLATFORM=offscreen SWITCHBOARD_SOURCE_DIR=$PWD SWITCHBOARD_SCREENSHOT_DIR=$PWD/docs \
  "$build_dir/tests/tst_consolerooms"
