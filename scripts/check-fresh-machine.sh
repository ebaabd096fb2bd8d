#!/usr/bin/env bash
# Proves the README's two commands on a brand-new Debian 12 root: builds a minimal bookworm
# root with debootstrap (cached as a tarball between runs, unpacked afresh every run), clones
# the committed HEAD of this repository into it, and runs inside it, in this order:
#   ./scripts/run.sh    must print its `listening c2s` line (headless: there is no display)
#   ./scripts/test.sh   must pass
# The root has its own PID namespace (it sees none of the host's processes), its own network
# namespace with only loopback for the build, run and test stages (port 5222 of run.sh cannot
# collide with anything on the host), its own /etc/hosts and its own, empty ccache.
#
#   scripts/check-fresh-machine.sh             the two commands (CI: .ci/run)
#   scripts/check-fresh-machine.sh --package   builds the .deb with scripts/package.sh in one
#                                              fresh root, installs it in a second one, starts
#                                              the systemd unit's ExecStart as user switchboard,
#                                              adds alice and logs her in over STARTTLS
#   --keep                                     leaves the roots in place for inspection
#
# Needs root (debootstrap, chroot, mounts). Environment: SWITCHBOARD_FRESH_CACHE (default
# /var/cache/switchboard-fresh), SWITCHBOARD_FRESH_MIRROR (default: the host's own Debian
# mirror from /etc/apt/sources.list*, else http://deb.debian.org/debian),
# SWITCHBOARD_FRESH_RUN_TIMEOUT (seconds run.sh may take to print `listening c2s`, default 2400).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

package=false
keep=false
for arg in "$@"; do
  case $arg in
    --package) package=true ;;
    --keep) keep=true ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "check-fresh-machine.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done
[[ $(id -u) -eq 0 ]] || { echo "check-fresh-machine.sh: must run as root (debootstrap, chroot, mounts)" >&2; exit 1; }
# The host needs only these (a CI machine may lack debootstrap): installed like setup-deps.sh.
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v ip >/dev/null || need+=(iproute2)
command -v git >/dev/null || need+=(git)
if ((${#need[@]})); then
  echo "check-fresh-machine.sh: installing ${need[*]} on the host" >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}"
fi
for tool in debootstrap unshare chroot git ip flock findmnt; do
  command -v "$tool" >/dev/null || { echo "check-fresh-machine.sh: $tool is missing" >&2; exit 1; }
done

log() { printf '[fresh %s] %s\n' "$(date -u +%T)" "$*" >&2; }
stage_start=0
stage_begin() { stage_start=$(date +%s); log "stage $1 ..."; }
stage_end() { echo "stage $1: $(( $(date +%s) - stage_start )) s"; }

# --- the Debian mirror this machine itself uses ----------------------------------------------
host_mirror() {
  local files=() f uri
  [[ -f /etc/apt/sources.list ]] && files+=(/etc/apt/sources.list)
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] && files+=("$f")
  done
  ((${#files[@]})) || return 0
  # One-line form: "deb [opts] URI bookworm main"; deb822 form: "URIs: URI" in a stanza whose
  # Suites name bookworm. The main archive (not -security) is the one debootstrap needs.
  uri=$(awk '
    /^[[:space:]]*#/ { next }
    /^deb[[:space:]]/ {
      for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { if ($(i+1) == "bookworm") print $i; break }
      next }
    /^[[:space:]]*$/ { if (u != "" && s ~ /(^|[[:space:]])bookworm([[:space:]]|$)/) print u; u = ""; s = ""; next }
    /^URIs:/ { u = $2 }
    /^Suites:/ { s = $0 }
    END { if (u != "" && s ~ /(^|[[:space:]])bookworm([[:space:]]|$)/) print u }
  ' "${files[@]}" | grep -v -- '-security' | grep -E '^https?://' | head -n1)
  echo "${uri%/}"
}
mirror=${SWITCHBOARD_FRESH_MIRROR:-$(host_mirror)}
mirror=${mirror:-http://deb.debian.org/debian}

cache=${SWITCHBOARD_FRESH_CACHE:-/var/cache/switchboard-fresh}
base_tar=$cache/bookworm-minbase-amd64.tar
mkdir -p "$cache"

# --- roots, mounts, and their cleanup on every exit path ---------------------------------------
roots=()
mounted=()
cleanup() {
  local rc=$? i m r
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    m=${mounted[i]}
    mountpoint -q "$m" && { umount "$m" 2>/dev/null || umount -l "$m" || true; }
  done
  mounted=()
  for r in "${roots[@]}"; do
    # Never delete through a mount that is still there (a bound /dev would be emptied).
    if findmnt -rn -o TARGET | grep -q "^$r/"; then
      log "mounts remain under $r; not removing it" ; continue
    fi
    if $keep; then log "root kept: $r"; else rm -rf --one-file-system "$r"; fi
  done
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_base() {
  exec 9>"$cache/lock"
  flock 9
  if [[ ! -s $base_tar ]]; then
    local tmp
    tmp=$(mktemp -d /var/tmp/sb-debootstrap.XXXXXX)
    roots+=("$tmp")
    log "debootstrap --variant=minbase bookworm from $mirror"
    debootstrap --variant=minbase --arch=amd64 bookworm "$tmp" "$mirror" > "$cache/debootstrap.log" 2>&1 \
      || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
    rm -rf "$tmp"/var/cache/apt/archives/*.deb
    chmod 755 "$tmp"
    tar -C "$tmp" --numeric-owner -cf "$base_tar.part" .
    mv "$base_tar.part" "$base_tar"
    rm -rf --one-file-system "$tmp"
  fi
  flock -u 9
}

new_root() {  # sets ROOT to a fresh root unpacked from the cached base (no subshell: the
  local r     # cleanup must see what is mounted)
  r=$(mktemp -d /var/tmp/sb-fresh.XXXXXX)
  roots+=("$r")
  tar -C "$r" --numeric-owner -xf "$base_tar"
  # It becomes /: mktemp's 0700 (kept by tar from an older cached base) would lock every
  # other user out of everything.
  chmod 755 "$r"
  # Only what a root needs to resolve names and reach the archive; nothing else of the host.
  printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' > "$r/etc/hosts"
  cp -L /etc/resolv.conf "$r/etc/resolv.conf"
  # Certificate authorities this machine itself added (an egress proxy's, if any), so that the
  # root reaches the package registries over HTTPS the way the machine does; none on most.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' > /dev/null; then
    mkdir -p "$r/usr/local/share/ca-certificates"
    cp -L /usr/local/share/ca-certificates/*.crt "$r/usr/local/share/ca-certificates/"
  fi
  echo "deb $mirror bookworm main" > "$r/etc/apt/sources.list"
  # Daemons pulled in as dependencies (Prosody) must not start as services while installing.
  printf '#!/bin/sh\nexit 101\n' > "$r/usr/sbin/policy-rc.d"
  chmod +x "$r/usr/sbin/policy-rc.d"
  mount --bind /dev "$r/dev"; mounted+=("$r/dev")
  mount --bind /dev/pts "$r/dev/pts"; mounted+=("$r/dev/pts")
  mount -t sysfs sysfs "$r/sys"; mounted+=("$r/sys")
  ROOT=$r
}

# Runs a shell command inside a root as root, with a clean environment, its own PID namespace
# (and /proc for it, in a private mount namespace that disappears with it).
# $1: root, $2: net|nonet (nonet: a namespace with loopback only), rest: the command.
in_root() {
  local r=$1 net=$2; shift 2
  local -a ns=(--pid --fork --mount-proc="$r/proc")
  local setup=""
  if [[ $net == nonet ]]; then ns+=(--net); setup='ip link set lo up && '; fi
  # Node.js trusts only its own CA list unless told: point it at the system's, which holds
  # whatever update-ca-certificates added (see new_root).
  unshare "${ns[@]}" sh -c "${setup}exec chroot \"\$0\" /usr/bin/env -i HOME=/root \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 CI=true \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    DEBIAN_FRONTEND=noninteractive /bin/bash -c \"\$1\"" "$r" "$*" < /dev/null
}

clone_into() {  # $1: root; the committed HEAD, not the working tree
  local head
  head=$(git -C "$repo" rev-parse HEAD)
  [[ -z $(git -C "$repo" status --porcelain --untracked-files=no) ]] \
    || log "note: uncommitted changes in $repo are not part of this check (HEAD $head)"
  git clone -q --no-hardlinks --no-checkout "$repo" "$1/src/switchboard"
  git -C "$1/src/switchboard" -c advice.detachedHead=false checkout -q --detach "$head"
  log "cloned $head into $1/src/switchboard"
}

ensure_base_timed() {
  stage_begin debootstrap
  ensure_base
  new_root
  stage_end debootstrap
}

# --- the two README commands ---------------------------------------------------------------------
check_two_commands() {
  ensure_base_timed
  local r=$ROOT
  clone_into "$r"

  # The base list is what run.sh installs; --test adds what test.sh installs. Both are
  # installed here with the network so that the later stages run with loopback only.
  stage_begin deps
  in_root "$r" net 'cd /src/switchboard && apt-get update -qq && ./scripts/setup-deps.sh && ./scripts/setup-deps.sh --test'
  stage_end deps

  stage_begin build
  in_root "$r" nonet 'cd /src/switchboard && ./scripts/build.sh > /tmp/build.log 2>&1 || { tail -50 /tmp/build.log; exit 1; }'
  stage_end build

  stage_begin run.sh
  local timeout=${SWITCHBOARD_FRESH_RUN_TIMEOUT:-2400}
  # run.sh execs the server: wait for its line, then stop it (SIGTERM; the namespace's init
  # takes everything else down with it when it exits).
  in_root "$r" nonet "cd /src/switchboard && { ./scripts/run.sh > /tmp/run.log 2>&1 & pid=\$!; }
    for ((i = 0; i < $timeout * 10; i++)); do
      grep -q '^listening c2s ' /tmp/run.log && break
      kill -0 \$pid 2>/dev/null || break
      sleep 0.1
    done
    if grep -q '^listening c2s ' /tmp/run.log; then
      grep '^listening ' /tmp/run.log; kill -TERM \$pid; wait \$pid || true; exit 0
    fi
    echo 'run.sh did not print listening c2s:'; tail -30 /tmp/run.log; kill -9 \$pid 2>/dev/null; exit 1"
  stage_end run.sh

  stage_begin test.sh
  in_root "$r" nonet 'cd /src/switchboard && ./scripts/test.sh'
  stage_end test.sh
}

# --- the package: built in one fresh root, installed and started in another --------------------
check_package() {
  ensure_base_timed
  local builder=$ROOT
  clone_into "$builder"
  [[ -x $builder/src/switchboard/scripts/package.sh ]] \
    || { echo "check-fresh-machine.sh: scripts/package.sh is not in HEAD" >&2; exit 1; }

  stage_begin package.sh
  in_root "$builder" net 'cd /src/switchboard && apt-get update -qq && ./scripts/package.sh'
  stage_end package.sh
  local out debs
  out=$(mktemp -d /var/tmp/sb-fresh-deb.XXXXXX); roots+=("$out")
  shopt -s nullglob
  debs=("$builder"/src/switchboard/dist/switchboard_*_amd64.deb)
  shopt -u nullglob
  ((${#debs[@]} == 1)) || { echo "check-fresh-machine.sh: expected one dist/switchboard_*_amd64.deb, found ${#debs[@]}" >&2; exit 1; }
  cp "${debs[0]}" "$out/"
  local deb_name=${debs[0]##*/}
  log "built $deb_name"

  stage_begin install
  new_root
  local target=$ROOT
  mkdir -p "$target/tmp/pkg"
  cp "$out/$deb_name" "$target/tmp/pkg/"
  cp "$repo/scripts/fresh-login-check.py" "$target/tmp/pkg/"
  in_root "$target" net "cd /tmp/pkg && apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=600 ./$deb_name python3-slixmpp"
  stage_end install

  stage_begin package-login
  in_root "$target" nonet 'set -e
    unit=
    for u in /lib/systemd/system/switchboard.service /usr/lib/systemd/system/switchboard.service; do
      [ -f "$u" ] && { unit=$u; break; }
    done
    [ -n "$unit" ] || { echo "no switchboard.service installed"; exit 1; }
    # ExecStart=, without the prefixes systemd allows (-, @, :, +, !).
    cmd=$(sed -n "s/^ExecStart=[-@:+!]*//p" "$unit" | head -n1)
    [ -n "$cmd" ] || { echo "no ExecStart in $unit"; exit 1; }
    echo "ExecStart: $cmd"
    # What systemd would do first: StateDirectory= (owned by the unit user, mode 0700), UMask=.
    install -d -o switchboard -g switchboard -m 0700 /var/lib/switchboard
    umask 077
    runuser -u switchboard -- sh -c "exec $cmd" > /tmp/server.log 2>&1 &
    pid=$!
    for i in $(seq 1 300); do
      grep -q "^listening c2s " /tmp/server.log && break
      kill -0 $pid 2>/dev/null || break
      sleep 0.1
    done
    grep "^listening " /tmp/server.log || { echo "the unit did not print listening c2s:"; tail -30 /tmp/server.log; exit 1; }
    port=$(sed -n "s/^listening c2s 127\.0\.0\.1:\([0-9]*\)$/\1/p" /tmp/server.log | head -n1)
    echo "wonderland" | runuser -u switchboard -- switchboard --system user add alice@localhost
    python3 /tmp/pkg/fresh-login-check.py --jid alice@localhost/fresh --password wonderland --port "${port:-5222}"
    kill -TERM $pid; wait $pid || true'
  stage_end package-login
}

total_start=$(date +%s)
if $package; then check_package; else check_two_commands; fi
echo "stage total: $(( $(date +%s) - total_start )) s"
