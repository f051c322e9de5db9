#!/usr/bin/env bash
# Install, when missing, the Debian packages that building the bundle needs besides those of
# tools/system-deps.sh: binutils (strip, and as/ld to rebuild the trimmed ICU data library;
# PyInstaller reads binaries with objdump). Does nothing when present or on a non-Debian system.
set -euo pipefail

command -v dpkg-query >/dev/null 2>&1 || exit 0
missing=()
for p in binutils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "Missing system packages: ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
