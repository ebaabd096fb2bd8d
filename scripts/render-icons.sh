#!/usr/bin/env bash
# Renders the PNG icons in resources/ from their SVG sources with rsvg-convert (Debian's
# librsvg2-bin, installed if missing). The PNGs are committed: run this after editing an SVG.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v rsvg-convert >/dev/null; then
  if [[ $(id -u) -eq 0 ]]; then sudo=(); else sudo=(sudo -n); fi
  echo "switchboard: installing librsvg2-bin (rsvg-convert)" >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
    --no-install-recommends librsvg2-bin
fi

render() {   # render SVG SIZE PNG
  mkdir -p "$(dirname "$3")"
  rsvg-convert --width "$2" --height "$2" --keep-aspect-ratio "$1" --output "$3"
}

# The application icon at the hicolor theme's sizes (installed under
# /usr/share/icons/hicolor/SIZExSIZE/apps; the console uses them as its window icon).
for size in 16 32 48 64 128 256; do
  render resources/icons/switchboard.svg "$size" "resources/icons/${size}x${size}/switchboard.png"
done
# The tray icons of the server states, at the sizes tray hosts ask for.
for state in idle active; do
  for size in 16 22 32 64; do
    render "resources/tray/tray-$state.svg" "$size" "resources/tray/tray-$state-$size.png"
  done
done
echo "rendered the icons in resources/"
