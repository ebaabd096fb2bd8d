#!/usr/bin/env bash
# The unit tests and the fuzz corpus replays under AddressSanitizer + UndefinedBehaviorSanitizer,
# in a build directory of their own (build-sanitize; SWITCHBOARD_SANITIZE_BUILD_DIR to change).
# Not part of scripts/test.sh: the second full build costs more than CI's budget allows there.
# Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-deps.sh --test
build_dir=${SWITCHBOARD_SANITIZE_BUILD_DIR:-build-sanitize}
jobs=${JOBS:-$(nproc)}
if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHBOARD_SANITIZE=ON
fi
# Only what the tests run: the unit tests and the fuzz corpus replays (not the app, not benches).
targets=()
for source in tests/unit/tst_*.cpp; do
  targets+=("$(basename "$source" .cpp)")
done
for source in fuzz/fuzz_*.cpp; do
  targets+=("$(basename "$source" .cpp)_replay")
done
cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}"
export QT_QPA_PLATFORM=offscreen
# Leaks are reported too; a sanitizer finding fails the test that hit it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan.supp:print_suppressions=0}
ctest --test-dir "$build_dir" -R '^(unit|fuzz)\.' --output-on-failure -j "$jobs" --timeout 600 "$@"
