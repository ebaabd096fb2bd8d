#!/usr/bin/env bash
# Runs every libFuzzer target (fuzz/) for FUZZ_SECONDS (default 60) each, built with clang,
# coverage guidance, ASan and UBSan, starting from a copy of the checked-in corpus, and prints
# executions per second and coverage. Exits non-zero if any target crashed, leaked or timed out
# (the reproducer is left in the run directory, named in the table, and printed in hex and
# base64 with the end of the fuzzer's log).
#   bench/fuzz.sh [TARGET...]        FUZZ_SECONDS=60 FUZZ_BUILD_DIR=build-fuzz JOBS=2
#   FUZZ_STEP=build bench/fuzz.sh    only configure and build the targets
#   FUZZ_STEP=run bench/fuzz.sh T    only run (the build is done), as the CTest tests do
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang++ >/dev/null; then
  ./scripts/setup-deps.sh --test
fi
build_dir=$(realpath -m "${FUZZ_BUILD_DIR:-build-fuzz}")
seconds=${FUZZ_SECONDS:-60}
jobs=${JOBS:-2}
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(fuzz_streamparser fuzz_jid fuzz_sasl fuzz_stanzas fuzz_tls_records)

step=${FUZZ_STEP:-all}

if [[ $step != run ]]; then
  if [[ ! -f "$build_dir/build.ninja" ]]; then
    CXX=clang++ CC=clang cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DSWITCHBOARD_FUZZ=ON -DSWITCHBOARD_SANITIZE=ON >/dev/null
  fi
  cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}"
  [[ $step == build ]] && exit 0
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
runs_dir="$build_dir/fuzz-runs"
failed=0
printf '%-18s %8s %12s %10s %8s %8s %8s  %s\n' target seconds executions "execs/s" edges features corpus result
for t in "${targets[@]}"; do
  work="$runs_dir/$t"
  rm -rf "$work" && mkdir -p "$work/corpus"
  cp fuzz/corpus/"$t"/* "$work/corpus/"
  result=clean
  if ! (cd "$work" && "$build_dir/fuzz/$t" -max_total_time="$seconds" -print_final_stats=1 \
          -rss_limit_mb=4096 -timeout=10 corpus >run.log 2>&1); then
    reproducer=$(ls "$work" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | head -1 || true)
    result="FAILED: ${reproducer:-no reproducer} (see $work/run.log)"
    failed=1
    echo "=== $t failed; the end of its log:" >&2
    tail -n 60 "$work/run.log" >&2
    if [[ -n $reproducer ]]; then
      echo "=== reproducer $work/$reproducer ($(stat -c %s "$work/$reproducer") bytes), hex:" >&2
      head -c 4096 "$work/$reproducer" | od -An -tx1 -v >&2
      echo "=== base64 (save it with: base64 -d > fuzz/corpus/$t/NAME):" >&2
      head -c 65536 "$work/$reproducer" | base64 -w0 >&2; echo >&2
    fi
  fi
  log="$work/run.log"
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  edges=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  features=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  printf '%-18s %8s %12s %10s %8s %8s %8s  %s\n' "$t" "$seconds" "${execs:-?}" "${rate:-?}" "${edges:-?}" \
    "${features:-?}" "${corpus:-?}" "$result"
done
exit $failed
