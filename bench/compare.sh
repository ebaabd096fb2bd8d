#!/usr/bin/env bash
# Switchboard against Prosody, same machine, same load, one run: prints the ratio table and
# writes bench/results/<date>.csv with a PNG chart per figure (see bench/README.md).
#
#   bench/compare.sh            default sizes (10,000 logins in clear text and 10,000 after
#                               STARTTLS, 500 message pairs, 2,000 × 20 presence): ~16 minutes
#                               of load on 2 idle cores, plus the build
#   bench/compare.sh --smoke    tiny sizes, well under a minute (CTest: bench.compare_smoke)
#   SB_BENCH_ONLY=room bench/compare.sh    only the named steps (comma-separated: pepseed,
#                               login, scram, starttls, msg1, msg16, msgrate, presence, sm-login,
#                               room, console); the table then has only their rows
#
# On a fresh Debian 12 machine it installs what it needs (prosody, gnuplot-nox, openssl,
# xvfb), builds with scripts/build.sh, and runs both servers on 127.0.0.1 only, one at a time,
# each restarted before every scenario. SWITCHBOARD_BIN and SB_LOADGEN skip the build.
# Every load is bounded in count and time; nothing leaves loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

smoke=false
console=true
for arg in "$@"; do
  case $arg in
    --smoke) smoke=true ;;
    --no-console) console=false ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

log() { printf '[compare %s] %s\n' "$(date +%T)" "$*" >&2; }

# want STEP: the step runs (every step unless SB_BENCH_ONLY names some).
only=${SB_BENCH_ONLY:-}
want() { [[ -z $only || ,$only, == *,$1,* ]]; }
want console || console=false

# --- what the machine needs -------------------------------------------------------------
need_packages=()
command -v prosody >/dev/null || need_packages+=(prosody)
command -v openssl >/dev/null || need_packages+=(openssl)
if ! $smoke; then
  command -v gnuplot >/dev/null || need_packages+=(gnuplot-nox)
  $console && ! command -v xvfb-run >/dev/null && need_packages+=(xvfb xauth)
fi
if ((${#need_packages[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "compare.sh: please install: ${need_packages[*]}" >&2
    exit 1
  fi
  log "installing ${need_packages[*]}"
  # Debian starts a packaged daemon on install; the system Prosody must stay stopped (it would
  # listen on every interface), so forbid service starts for the length of the install.
  policy_created=false
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    policy_created=true
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need_packages[@]}" >&2
  $policy_created && rm -f /usr/sbin/policy-rc.d
fi
# Another Prosody on this machine (the system service, another run) is left alone: ours has its
# own configuration, data, pid file and free loopback port, and is checked to own that port.

if [[ -z ${SWITCHBOARD_BIN:-} || -z ${SB_LOADGEN:-} ]]; then
  ./scripts/setup-deps.sh
  build_dir=${SWITCHBOARD_BUILD_DIR:-build}
  log "building in $build_dir"
  SWITCHBOARD_BUILD_DIR=$build_dir ./scripts/build.sh >&2
  SWITCHBOARD_BIN=$root/$build_dir/app/switchboard
  SB_LOADGEN=$root/$build_dir/bench/loadgen/sb-loadgen
fi
[[ -x $SWITCHBOARD_BIN && -x $SB_LOADGEN ]] || { echo "compare.sh: binaries missing" >&2; exit 1; }

# --- sizes ------------------------------------------------------------------------------
if $smoke; then
  login_n=200; scram_n=50; tls_n=50; pairs=20; msg_s=1; warmup=0.5; rate=200
  room_n=20; room_senders=4
  presence_n=100; contacts=6; updates=2; churn_n=200; churn_rate=50; churn_s=1; settle=0.5
  console=false
else
  login_n=10000; scram_n=1000; tls_n=10000; pairs=500; msg_s=30; warmup=2; rate=1000
  room_n=100; room_senders=10
  presence_n=2000; contacts=20; updates=3; churn_n=10000; churn_rate=500; churn_s=10; settle=3
fi
window=${SB_BENCH_WINDOW:-100}   # logins in flight
password=bench-secret
domain=localhost

work=$(mktemp -d /tmp/sb-bench.XXXXXX)
server_pid=
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  [[ ${SB_BENCH_KEEP:-} == 1 ]] || rm -rf "$work"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
log "work directory $work"

# --- the same accounts for both ------------------------------------------------------------
# Only those of the steps that run (u: logins and messages, p: presence, r: the room).
need_u=false
for step in pepseed login scram starttls msg1 msg16 msgrate sm-login console; do want $step && need_u=true; done
{
  if $need_u; then for ((i = 1; i <= login_n; i++)); do echo "u$i:$password"; done; fi
  if want presence; then for ((i = 1; i <= presence_n; i++)); do echo "p$i:$password"; done; fi
  if want room; then for ((i = 1; i <= room_n; i++)); do echo "r$i:$password"; done; fi
  echo "probe:$password"
} > "$work/users.txt"
# p_i and p_(i+1..i+contacts/2), wrapping around: every user gets `contacts` mutual contacts.
half=$((contacts / 2))
want presence || presence_n=0
for ((i = 1; i <= presence_n; i++)); do
  for ((k = 1; k <= half; k++)); do echo "p$i p$(( (i + k - 1) % presence_n + 1 ))"; done
done > "$work/roster.txt"

# One certificate for both (P-256, as Switchboard generates), for the STARTTLS runs.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=$domain" \
  -addext "subjectAltName=DNS:$domain" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
chmod 600 "$work/key.pem"

mkdir -p "$work/sb" "$work/prosody-data"
t0=$(date +%s.%N)
"$SWITCHBOARD_BIN" --data-dir "$work/sb" --domain "$domain" user import "$work/users.txt" >&2
"$SWITCHBOARD_BIN" --data-dir "$work/sb" --domain "$domain" user import-roster "$work/roster.txt" >&2
t1=$(date +%s.%N)
"$SB_LOADGEN" prosody-data --data-path "$work/prosody-data" --domain "$domain" \
  --users-file "$work/users.txt" --roster-file "$work/roster.txt" --iterations 10000 >&2
t2=$(date +%s.%N)
log "accounts: switchboard $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s," \
  "prosody files $(awk -v a="$t1" -v b="$t2" 'BEGIN{printf "%.1f", b-a}') s"

free_port() {
  local p
  for ((p = 20000 + RANDOM % 20000; ; p++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

cat > "$work/sb.ini" <<EOF
domain = $domain
bind = 127.0.0.1
c2s_tls = false
tls_cert = $work/cert.pem
tls_key = $work/key.pem
require_encryption = false
allow_plain_without_tls = true
scram_iterations = 10000
max_sasl_failures = 1000
EOF
# Hardening limits (issue 6) are turned up so that they do not shape the load.
while read -r key value; do
  grep -q "\"$key\"" "$root/app/ConfigFile.cpp" 2>/dev/null && echo "$key = $value" >> "$work/sb.ini"
done <<'EOF'
max_connections 100000
max_unauthenticated 100000
max_unauthenticated_per_ip 100000
read_rate 0
read_rate_bytes 0
max_read_rate 0
EOF

start_switchboard() {  # $1: headless|console; the server picks a free port and reports it
  # Emptied here, not by the background redirection, which may come after the first read
  # below: that read would find the previous server's port.
  : > "$work/sb.log"
  if [[ $1 == console ]]; then
    QT_QPA_PLATFORM=offscreen QT_LOGGING_RULES='switchboard.*.info=false;switchboard.*.debug=false' \
      "$SWITCHBOARD_BIN" --config "$work/sb.ini" --data-dir "$work/sb" --c2s-port 0 > "$work/sb.log" 2>&1 &
  else
    QT_LOGGING_RULES='switchboard.*.info=false;switchboard.*.debug=false' \
      "$SWITCHBOARD_BIN" --headless --config "$work/sb.ini" --data-dir "$work/sb" --c2s-port 0 > "$work/sb.log" 2>&1 &
  fi
  server_pid=$!
  local i
  server_port=
  for ((i = 0; i < 300; i++)); do
    server_port=$(sed -n 's/^listening c2s 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/sb.log" | head -n1)
    [[ -n $server_port ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  # The line comes after the bind on a port the kernel picked: no other program can hold it.
  [[ -n $server_port ]] || server_failed
}

start_prosody() {  # Prosody cannot report a port it picked: try free ones until it owns one
  local attempt port
  for ((attempt = 0; attempt < 5; attempt++)); do
    port=$(free_port)
    : > "$work/prosody.out"
    write_prosody_config "$port"
    prosody -F --config "$work/prosody.cfg.lua" > "$work/prosody.out" 2>&1 &
    server_pid=$!
    server_port=$port
    wait_listening && return 0
    log "prosody did not get port $port; trying another"
    stop_server
  done
  server_failed
}

write_prosody_config() {
  local port=$1
  cat > "$work/prosody.cfg.lua" <<EOF
-- Generated by bench/compare.sh: loopback only, no s2s, rate limits off, PLAIN allowed.
run_as_root = true
pidfile = "$work/prosody.pid"
data_path = "$work/prosody-data"
interfaces = { "127.0.0.1" }
c2s_ports = { $port }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
network_backend = "epoll"
modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping"; "version"; "pep"; "vcard_legacy"; "private"; "bookmarks"; "mam"${prosody_extra_modules:-} }
modules_disabled = { "s2s" }
authentication = "internal_hashed"
storage = "internal"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
limits = { c2s = { rate = "1000mb/s" } }
log = { warn = "$work/prosody.log" }
ssl = { certificate = "$work/cert.pem"; key = "$work/key.pem" }
VirtualHost "$domain"
EOF
  # The room step: Prosody 0.12's mod_muc, rooms created by any local user, unlocked at once (the
  # load generator still submits the instant-room form a locked room asks for, XEP-0045 §10.1.2),
  # every room archived by mod_muc_mam as Switchboard archives every room (XEP-0313).
  if [[ -n ${prosody_muc:-} ]]; then
    cat >> "$work/prosody.cfg.lua" <<EOF
Component "conference.$domain" "muc"
modules_enabled = { "muc_mam" }
muc_log_all_rooms = true
restrict_room_creation = "local"
muc_room_locking = false
muc_room_default_history_length = 20
EOF
  fi
}

# owns_port PID PORT: PID itself holds the listening socket 127.0.0.1:PORT (so a connect that
# succeeds is not answered by some other program that took the port first).
owns_port() {
  local inode
  inode=$(awk -v p="$(printf '%04X' "$2")" '$2 == "0100007F:" p && $4 == "0A" { print $10; exit }' /proc/net/tcp)
  [[ -n $inode ]] || return 1
  find "/proc/$1/fd" -lname "socket:\[$inode\]" 2>/dev/null | grep -q .
}

wait_listening() {  # 0: ours listens on $server_port; 1: it died or another program has the port
  local i
  for ((i = 0; i < 200; i++)); do
    kill -0 "$server_pid" 2>/dev/null || return 1
    owns_port "$server_pid" "$server_port" && return 0
    sleep 0.1
  done
  return 1
}

server_failed() {
  local state=exited
  kill -0 "$server_pid" 2>/dev/null && state="running, but not listening on 127.0.0.1:${server_port:-?}"
  echo "compare.sh: the server did not start ($state); its log:" >&2
  cat "$work/sb.log" "$work/prosody.out" "$work/prosody.log" 2>/dev/null | tail -30 >&2
  exit 1
}

stop_server() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}

# run_load SERVER NAME MODE LOADGEN-ARGS...: a fresh server, one scenario, results in
# $work/SERVER-NAME.txt ("key value" lines).
run_load() {
  local server=$1 name=$2 mode=$3; shift 3
  if [[ $server == switchboard ]]; then start_switchboard "$mode"; else start_prosody; fi
  log "$server: $name"
  local rc=0 lag=()
  # Switchboard reports its own event-loop lag over the measured window through its control socket.
  [[ $server == switchboard ]] && lag=(--control-socket "$work/sb/control.sock")
  "$SB_LOADGEN" run --port "$server_port" --domain "$domain" --password "$password" \
    --server-pid "$server_pid" --window "$window" --timeout 300 --settle "$settle" --warmup "$warmup" "${lag[@]}" "$@" > "$work/$server-$name.out" 2> "$work/$server-$name.err" || rc=$?
  grep '^RESULT ' "$work/$server-$name.out" | cut -d' ' -f2- > "$work/$server-$name.txt" || true
  [[ $rc -eq 0 ]] || { log "$server $name: exit $rc"; tail -5 "$work/$server-$name.err" >&2; }
  stop_server
}

get() {  # get SERVER NAME KEY
  local v
  v=$(awk -v k="$3" '$1 == k { print $2 }' "$work/$1-$2.txt" 2>/dev/null | tail -1)
  echo "${v:-nan}"
}

# Seeding is not measured, and Prosody needs about ten minutes for 10,000 users' PEP items
# (its file storage), so the PEP part of its seeded data directory (the pep* stores) is kept
# between runs (SB_BENCH_CACHE, by default ~/.cache/switchboard-bench), under a key made of
# everything that shapes it: the seeded accounts, the Prosody version and the pep-seed
# scenario's code. Accounts and rosters are written afresh by every run. Switchboard seeds
# through the protocol every time.
seed_cache_dir=${SB_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/switchboard-bench}
seed_key=$( { echo "$login_n $password $domain"
  awk '/^\/\/ pep-seed:/ { on = 1 } on { print } on && /^int Scenario::runPepSeed/ { last = 1 } last && /^}/ { exit }' \
    "$root/bench/loadgen/Scenario.cpp"
  dpkg-query -W -f='${Version}' prosody 2>/dev/null || prosodyctl about 2>/dev/null | head -3
} | sha256sum | cut -c1-16)
seed_pep() {  # seed_pep SERVER
  local cached=$seed_cache_dir/prosody-pep-$seed_key.tar host_dir=$work/prosody-data/$domain
  if [[ $1 == prosody && -s $cached ]] && ! $smoke; then
    log "prosody: pepseed from the cache ($cached)"
    mkdir -p "$host_dir" && tar -xf "$cached" -C "$host_dir"
    return
  fi
  run_load "$1" pepseed headless --scenario pep-seed --users $login_n --timeout 1200
  if [[ $1 == prosody ]] && ! $smoke && [[ $(get prosody pepseed pep_seed_published) == $((login_n * 4)) ]]; then
    mkdir -p "$seed_cache_dir"
    (cd "$host_dir" && tar -cf "$cached.part" pep*) && mv "$cached.part" "$cached"
  fi
}

for server in switchboard prosody; do
  # Once per server: every login account publishes an avatar and an OMEMO bundle (XEP-0084,
  # XEP-0384), so that the login runs meet servers holding PEP data for each user.
  # Prosody with the archive and PEP modules needed more than the usual 300 s for 10,000 users.
  want pepseed && seed_pep $server
  want login && run_load $server login headless --scenario login --users $login_n --probe probe
  want scram && run_load $server scram headless --scenario login --users $scram_n --mechanism SCRAM-SHA-1
  want starttls && run_load $server starttls headless --scenario login --users $tls_n --starttls
  want msg1 && run_load $server msg1 headless --scenario messages --pairs $pairs --in-flight 1 --duration $msg_s --probe probe
  want msg16 && run_load $server msg16 headless --scenario messages --pairs $pairs --in-flight 16 --duration $msg_s
  want msgrate && run_load $server msgrate headless --scenario messages --pairs $pairs --rate $rate --duration $((msg_s / 2)) \
    --probe probe
  want presence && run_load $server presence headless --scenario presence --prefix p --users $presence_n --contacts $contacts \
    --updates $updates
  # XEP-0198 after bind (with resumption): Prosody 0.12's own mod_smacks against ours.
  prosody_extra_modules='; "smacks"'
  want sm-login && run_load $server sm-login headless --scenario login --users $login_n --sm
  prosody_extra_modules=
  # Group chat (XEP-0045): room_n members in one room, room_senders of them posting with 4
  # messages each in flight (a message counts as done when every member has it).
  prosody_muc=1
  want room && run_load $server room headless --scenario room --prefix r --users $room_n --senders $room_senders \
    --in-flight 4 --duration $msg_s
  prosody_muc=
done
if $console; then
  run_load switchboard console-login console --scenario login --users $churn_n --churn $churn_rate \
    --duration $churn_s --probe probe
  run_load switchboard console-msg console --scenario messages --pairs $pairs --rate $rate --duration $((msg_s / 2)) \
    --probe probe
fi

# The console's own frame and batch times under the same churn: the UI's bench (bench/console).
console_bench=$(dirname "$SB_LOADGEN")/../console/sb-console-bench
if $console && [[ -x $console_bench ]]; then
  log "console bench: $churn_n sessions, $churn_rate logins/s and $churn_rate changes/s"
  mkdir -p -m 700 "$work/runtime"   # Qt wants a private runtime directory; root has none here
  XDG_RUNTIME_DIR=$work/runtime QT_QPA_PLATFORM=offscreen timeout 120 "$console_bench" --sessions "$churn_n" --changes "$churn_rate" \
    --churn "$churn_rate" --seconds 10 > "$work/console-bench.txt" 2>&1 || true
fi

# --- the table ------------------------------------------------------------------------------
results_dir=${SB_BENCH_RESULTS:-$root/bench/results}
$smoke && [[ -z ${SB_BENCH_RESULTS:-} ]] && results_dir=$work/results
mkdir -p "$results_dir"
stamp=$(date +%F)
csv=$results_dir/$stamp.csv
echo "figure,switchboard,prosody,ratio,target,met" > "$csv"

# row FIGURE SCENARIO KEY DIRECTION TARGET: DIRECTION "up" (more is better; met when
# ratio >= TARGET) or "down" (less is better; met when ratio <= TARGET); TARGET "-" for none.
row() {
  local figure=$1 scenario=$2 key=$3 direction=$4 target=$5
  local s p
  want "$scenario" || return 0
  s=$(get switchboard "$scenario" "$key"); p=$(get prosody "$scenario" "$key")
  awk -v f="$figure" -v s="$s" -v p="$p" -v d="$direction" -v t="$target" 'BEGIN {
    r = (p + 0 != 0 && s != "nan" && p != "nan") ? s / p : "nan"
    met = "-"
    if (t != "-" && r != "nan") met = (d == "up" ? (r >= t) : (r <= t)) ? "yes" : "NO"
    if (index(f, ",")) f = "\"" f "\""   # RFC 4180: a figure with a comma is quoted
    printf "%s,%s,%s,%s,%s,%s\n", f, s, p, (r == "nan" ? r : sprintf("%.2f", r)), t, met
  }' >> "$csv"
}
# The CSV's rows, tab-separated: the figure is everything before the last five fields (a quoted
# figure may hold commas).
csv_rows() {
  tail -n +2 "$csv" | awk -F, '{
    f = $1; for (i = 2; i <= NF - 5; i++) f = f "," $i
    gsub(/^"|"$/, "", f)
    printf "%s\t%s\t%s\t%s\t%s\t%s\n", f, $(NF-4), $(NF-3), $(NF-2), $(NF-1), $NF
  }'
}
if ((login_n >= 5000)); then
  row "logins/s at 1k (PLAIN)" login logins_per_s_at_1000 up -
  row "logins/s at 5k (PLAIN)" login logins_per_s_at_5000 up -
fi
row "logins/s at $login_n (PLAIN)" login logins_per_s up 3
row "login failures at $login_n" login login_failures down -
row "server CPU ms per login" login server_cpu_ms_per_login down -
row "KiB per idle session at $login_n" login kib_per_session down 0.3334
row "ping p99 ms during logins" login probe_rtt_p99_ms down -
row "logins/s SCRAM-SHA-1 ($scram_n)" scram logins_per_s up 3
row "logins/s STARTTLS+PLAIN ($tls_n)" starttls logins_per_s up 3
row "server CPU ms per STARTTLS login" starttls server_cpu_ms_per_login down -
row "KiB per idle TLS session at $tls_n" starttls kib_per_session down 0.3334
row "KiB per idle SM session at $login_n" sm-login kib_per_session down 0.3334
row "messages/s with 1 in flight" msg1 messages_per_s up 3
row "latency p50 ms with 1 in flight" msg1 latency_p50_ms down -
row "latency p99 ms with 1 in flight" msg1 latency_p99_ms down 0.5
row "messages/s with 16 in flight" msg16 messages_per_s up 3
row "latency p99 ms with 16 in flight" msg16 latency_p99_ms down 0.5
row "latency p50 ms at $rate/s" msgrate latency_p50_ms down -
row "latency p99 ms at $rate/s" msgrate latency_p99_ms down 0.5
row "ping p99 ms at $rate messages/s" msgrate probe_rtt_p99_ms down -
row "presence stanzas/s (storm)" presence presence_per_s up 3
row "presence: all arrived after login (s)" presence presence_all_arrived_s down -
row "loadgen CPU % (login run)" login loadgen_cpu_percent down -
row "room fan-out, deliveries/s in a $room_n-member room" room room_deliveries_per_s up 3
row "room fan-out: latency p99 ms" room room_latency_p99_ms down -

{
  echo
  printf '%-48s | %12s | %12s | %6s | %7s\n' figure Switchboard Prosody ratio target
  printf '%s\n' "-------------------------------------------------+--------------+--------------+--------+--------"
  csv_rows | while IFS=$'\t' read -r f s p r t m; do
    printf '%-48s | %12s | %12s | %6s | %7s %s\n' "$f" "$s" "$p" "$r" "$t" "$([[ $m == - ]] || echo "$m")"
  done
  if $console; then
    echo
    echo "console open (Switchboard, offscreen): $churn_n sessions, $churn_rate logins/s churn"
    printf '  server event-loop lag p99: %s ms during churn, %s ms during %s messages/s (target < 5 ms)\n' \
      "$(get switchboard console-login churn_server_lag_p99_ms)" "$(get switchboard console-msg server_lag_p99_ms)" "$rate"
    printf '  ping round trip p99 (lag as a client sees it): %s ms during churn, %s ms during %s messages/s\n' \
      "$(get switchboard console-login probe_rtt_p99_ms)" "$(get switchboard console-msg probe_rtt_p99_ms)" "$rate"
    if [[ -s $work/console-bench.txt ]]; then
      echo "  UI (bench/console, offscreen):"
      sed 's/^/    /' "$work/console-bench.txt"
    fi
    printf '  churn logins/s: %s, failures: %s; messages/s with the console: %s\n' \
      "$(get switchboard console-login churn_logins_per_s)" "$(get switchboard console-login churn_failures)" \
      "$(get switchboard console-msg messages_per_s)"
  fi
  printf '\nloadgen CPU: login %s%%, messages %s%% (of one core)\n' \
    "$(get switchboard login loadgen_cpu_percent_during_logins)" \
    "$(get switchboard msg16 loadgen_cpu_percent_during_messages)"
} | tee "$results_dir/$stamp.txt"
if $console; then
  for k in churn_server_lag_p99_ms probe_rtt_p99_ms churn_logins_per_s churn_failures; do
    echo "console: $k,$(get switchboard console-login $k),,,," >> "$csv"
  done
  echo "console: messages server lag p99 ms,$(get switchboard console-msg server_lag_p99_ms),,,," >> "$csv"
  echo "console: messages ping p99 ms,$(get switchboard console-msg probe_rtt_p99_ms),,,," >> "$csv"
fi

# --- one chart per figure ---------------------------------------------------------------
if command -v gnuplot >/dev/null && ! $smoke; then
  charts=$results_dir/$stamp
  mkdir -p "$charts"
  rm -f "$charts"/*.png   # a second run on the same day replaces the first
  n=0
  csv_rows | grep -v '^console' | while IFS=$'\t' read -r f s p r t m; do
    n=$((n + 1))
    [[ $s == nan || $p == nan ]] && continue
    file=$(printf '%s/%02d-%s.png' "$charts" "$n" "$(echo "$f" | tr -c 'a-zA-Z0-9\n' '-' | tr -s '-' | sed 's/-$//')")
    gnuplot <<EOF 2>/dev/null || true
set terminal pngcairo size 480,320 noenhanced
set output "$file"
set title "$f"
set style fill solid 0.8
set boxwidth 0.6
set yrange [0:*]
set grid ytics
unset key
plot '-' using 0:2:3:xtic(1) with boxes lc variable, '' using 0:2:(sprintf("%g",\$2)) with labels offset 0,0.8
Switchboard $s 2
Prosody $p 7
e
Switchboard $s
Prosody $p
e
EOF
  done
  log "charts in $charts"
fi
log "results in $csv"
if $smoke; then
  # The smoke run checks that everything ran: no missing figure, no failed login.
  bad=$(csv_rows | grep -v '^console' | awk -F'\t' '$2 == "nan" || $3 == "nan" { print $1 }')
  [[ -z $bad ]] || { echo "compare.sh --smoke: missing figures: $bad" >&2; exit 1; }
  for s in switchboard prosody; do
    want login || continue
    [[ $(get $s login login_failures) == 0 ]] || { echo "compare.sh --smoke: $s had login failures" >&2; exit 1; }
  done
fi
