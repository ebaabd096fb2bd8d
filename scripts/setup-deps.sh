#!/usr/bin/env bash
# Installs the Debian 12 packages Switchboard needs, if any are missing.
# Usage: scripts/setup-deps.sh [--test|--package]   (--test adds what the test suite needs,
#        --package what scripts/package.sh needs)
set -euo pipefail

packages=(g++ cmake ninja-build ccache pkg-config
          qt6-base-dev libqt6sql6-sqlite qt6-charts-dev libqt6opengl6-dev
          libssl-dev libidn-dev libidn2-dev
          libexpat1-dev)   # the fuzz targets' independent XML judge (fuzz/ExpatJudge.h)
if [[ "${1:-}" == "--package" ]]; then
  packages+=(dpkg-dev file lintian)   # scripts/package.sh: dpkg-shlibdeps, CPack's ELF check, the check
fi
if [[ "${1:-}" == "--test" ]]; then
  packages+=(python3 python3-slixmpp xvfb)
  packages+=(clang libclang-rt-14-dev)   # libFuzzer, ASan, UBSan (fuzz.libfuzzer, bench/fuzz.sh)
  packages+=(python3-aioxmpp)   # a second client library in the integration tests
  packages+=(prosody openssl)   # bench.compare_smoke runs its own Prosody on loopback
  # xmpp.js (npm @xmpp/client) is installed by the tests into the build tree; npm may already
  # come with another Node.js package (nodejs from NodeSource bundles it).
  command -v npm >/dev/null || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

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
