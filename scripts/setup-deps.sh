#!/usr/bin/env bash
# Installs the Debian 12 packages Switchboard needs, if any are missing.
# Usage: scripts/setup-deps.sh [--test|--package]   (--test adds what the test suite needs,
#        --package what scripts/package.sh needs)
set -euo pipefail

packages=(g++ cmake ninja-build ccache pkg-config
          qt6-base-dev libqt6sql6-sqlite qt6-charts-dev libqt6opengl6-dev
          libssl-dev libidn-dev libidn2-dev
          libexpat1-dev   # the fuzz targets' independent XML judge (fuzz/ExpatJudge.h)
          libqrencode-dev   # invitation QR codes (core/QrCode)
          qt6-httpserver-dev qt6-websockets-dev)   # the HTTPS listener (http/HttpsListener)
if [[ "${1:-}" == "--package" ]]; then
  packages+=(dpkg-dev file lintian)   # scripts/package.sh: dpkg-shlibdeps, CPack's ELF check, the check
fi
if [[ "${1:-}" == "--test" ]]; then
  packages+=(python3 python3-slixmpp xvfb)
  packages+=(clang libclang-rt-14-dev)   # libFuzzer, ASan, UBSan (fuzz.libfuzzer, bench/fuzz.sh)
  packages+=(python3-aioxmpp)   # a second client library in the integration tests
  packages+=(zbar-tools)   # test_invites decodes the invitation's QR code with zbarimg
  packages+=(python3-nbxmpp)    # Gajim's library: CSI and MAM tests (brings python3-gi)
  packages+=(python3-aiohttp)   # slixmpp's XEP-0363 plugin uploads with it (test_upload)
  # OMEMO between two users' devices over PEP (XEP-0384), in the integration tests
  packages+=(python3-omemo python3-twomemo python3-oldmemo python3-xmlschema)   # xmlschema: their XML helpers
  packages+=(prosody openssl)   # bench.compare_smoke runs its own Prosody on loopback
  # xmpp.js (npm @xmpp/client, tests/npm) for the integration tests; npm may already come with
  # another Node.js package (nodejs from NodeSource bundles it).
  command -v npm >/dev/null || packages+=(nodejs npm)
fi

# The test suite's npm packages, from tests/npm's lock file, installed while the registry can be
# reached (the fresh-machine check runs the tests without a network).
install_test_npm() {
  [[ "${1:-}" == "--test" ]] || return 0
  local dir; dir="$(cd "$(dirname "$0")/.." && pwd)/tests/npm"
  [[ -d "$dir/node_modules/@xmpp/client" && -d "$dir/node_modules/stanza" ]] && return 0
  echo "switchboard: installing the test suite's npm packages into tests/npm" >&2
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
}

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then install_test_npm "${1:-}"; exit 0; fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "switchboard: these Debian packages are missing and I cannot install them (not root, no sudo):" >&2
  echo "  ${missing[*]}" >&2
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "switchboard: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -o DPkg::Lock::Timeout=600 -qq
# The packaged Prosody must not start as a system service (it would listen on every
# interface): forbid service starts while installing, as Debian's policy-rc.d allows.
policy_created=false
if [[ " ${missing[*]} " == *" prosody "* && ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${sudo[@]}" chmod +x /usr/sbin/policy-rc.d
  policy_created=true
fi
"${sudo[@]}" apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}"
if $policy_created; then "${sudo[@]}" rm -f /usr/sbin/policy-rc.d; fi
install_test_npm "${1:-}"
