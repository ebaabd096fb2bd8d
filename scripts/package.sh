#!/usr/bin/env bash
# Builds the Debian package dist/switchboard_<version>_amd64.deb with CPack (packaging/):
# the project version from CMakeLists.txt, library dependencies computed by dpkg-shlibdeps.
# Usage: scripts/package.sh   (installs what it needs, as setup-deps.sh does)
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup-deps.sh --package
build_dir=${SWITCHBOARD_PACKAGE_BUILD_DIR:-build-package}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

# Installed to /usr (so the config lands in /etc, the unit in /lib/systemd/system), built with
# Debian's hardening flags (fortify, stack protector, relro, bind now); CPack strips the binary.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DBUILD_TESTING=OFF \
  -DCMAKE_CXX_FLAGS="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS)" \
  -DCMAKE_EXE_LINKER_FLAGS="$(dpkg-buildflags --get LDFLAGS)" >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target switchboard switchboard_man switchboard_changelog

rm -rf "$build_dir/_CPack_Packages" dist
mkdir -p dist
(cd "$build_dir" && cpack -G DEB -B "$PWD/../dist" >/dev/null)
rm -rf dist/_CPack_Packages
debs=(dist/switchboard_*_amd64.deb)
if [[ ${#debs[@]} -ne 1 || ! -f ${debs[0]} ]]; then
  echo "switchboard: expected exactly one package in dist/, found: ${debs[*]}" >&2
  exit 1
fi
echo "${debs[0]}"
