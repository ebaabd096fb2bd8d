#!/usr/bin/env bash
# The kill -9 durability test (tests/hostile/test_kill9_durability.py), LOOPS times in a row
# (default 20), each with SB_KILL9_ROUNDS kill/restart rounds (default 3) and a fresh seed.
# Stops at the first failure. Needs a built tree (SWITCHBOARD_BUILD_DIR, default build).
#   bench/kill9_loop.sh [LOOPS]
set -euo pipefail
cd "$(dirname "$0")/.."
loops=${1:-20}
build_dir=${SWITCHBOARD_BUILD_DIR:-build}
export SWITCHBOARD_BIN=${SWITCHBOARD_BIN:-$PWD/$build_dir/app/switchboard}
export PYTHONPATH=$PWD/tests/integration PYTHONDONTWRITEBYTECODE=1
[[ -x "$SWITCHBOARD_BIN" ]] || { echo "no $SWITCHBOARD_BIN: build first (scripts/build.sh)" >&2; exit 2; }
started=$(date +%s)
for i in $(seq 1 "$loops"); do
  seed=$(( $(date +%s%N) % 1000000007 ))
  if ! SB_KILL9_SEED=$seed /usr/bin/python3 tests/hostile/test_kill9_durability.py >"/tmp/kill9-$$.log" 2>&1; then
    echo "run $i/$loops FAILED (seed $seed):"
    tail -40 "/tmp/kill9-$$.log"
    exit 1
  fi
  echo "run $i/$loops passed (seed $seed)"
done
rm -f "/tmp/kill9-$$.log"
echo "kill -9 durability: $loops/$loops passed in $(( $(date +%s) - started )) s"
