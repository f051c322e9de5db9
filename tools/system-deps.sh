#!/usr/bin/env bash
# Install, when missing, the Debian packages the app and its tests need: the libraries Qt loads
# (offscreen and on a real X display), a virtual X server and key-press tool for real-window
# tests, and Python's venv module. Does nothing when all are present or on a non-Debian system.
set -euo pipefail

packages=(
  libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfontconfig1 libdbus-1-3
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xinerama0 libxcb-randr0
  xvfb xauth xdotool x11-utils
)
# --app-only: only what the app needs (no test tools); --build-tools: also binutils, which
# packaging needs (strip, and as/ld to rebuild the trimmed ICU data; PyInstaller uses objdump).
build_tools=0
for arg in "$@"; do
  case "$arg" in
    --app-only)
      packages=(libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfontconfig1 libdbus-1-3
                libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
                libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-util1) ;;
    --build-tools) build_tools=1 ;;
    *) echo "usage: $0 [--app-only] [--build-tools]" >&2; exit 2 ;;
  esac
done
[ "$build_tools" = 1 ] && packages+=(binutils)

command -v dpkg-query >/dev/null 2>&1 || exit 0
python3 -c 'import venv, ensurepip' 2>/dev/null || packages+=(python3-venv)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
