#!/bin/sh
# Adds Changsha Replay to the desktop's application menu for the current user: a desktop entry in
# ~/.local/share/applications and the icon in ~/.local/share/icons. Run it from the unpacked folder;
# run it with --remove to take both away again. The program itself stays where it is.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry="$data/applications/changsha-replay.desktop"
icon="$data/icons/hicolor/256x256/apps/changsha-replay.png"

if [ "${1:-}" = "--remove" ]; then
  rm -f "$entry" "$icon"
  echo "Removed $entry and $icon"
  exit 0
fi
[ -x "$here/changsha-replay" ] || { echo "changsha-replay not found beside this script" >&2; exit 1; }
mkdir -p "$(dirname "$entry")" "$(dirname "$icon")"
cp "$here/changsha-replay.png" "$icon"
sed -e "s|^Exec=changsha-replay|Exec=\"$here/changsha-replay\"|" "$here/changsha-replay.desktop" > "$entry"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "Installed $entry"
