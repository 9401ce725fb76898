#!/usr/bin/env bash
# Takes the README's screenshots from the real app under Xvfb, in demo mode: the tray
# icon (in a standalone StatusNotifierItem bar) with a page (drawn by dunst), and the
# window (opened the way a second launch opens it).
# Usage: scripts/screenshots.sh [path/to/oncall-tray]   (default: target/debug/oncall-tray)
# Needs: xvfb, dbus, haskell-gtk-sni-tray-utils, dunst, xdotool, imagemagick.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/debug/oncall-tray}")
out=$(realpath docs)
mkdir -p "$out"
if [ -z "${ONCALL_SCREENSHOT_SESSION:-}" ]; then
  exec env ONCALL_SCREENSHOT_SESSION=1 xvfb-run -a -s "-screen 0 1024x640x24" \
    dbus-run-session -- "$0" "$bin"
fi

runtime=$(mktemp -d); chmod 700 "$runtime"; export XDG_RUNTIME_DIR=$runtime
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
xsetroot -solid '#3b4252' 2>/dev/null || true
gtk-sni-tray-standalone --watcher --top --end --size 28 --color '#2e3440' >/dev/null 2>&1 &
dunst -config /dev/null >/dev/null 2>&1 &
sleep 2
RUST_LOG=warn "$bin" --demo >/dev/null 2>&1 &
sleep 9
read -r width _ < <(xdotool getdisplaygeometry)
import -window root -crop 520x140+$((width - 520))+0 "$out/notification.png"

dunstctl close-all 2>/dev/null || true
# A second launch opens the running app's window.
RUST_LOG=warn "$bin" --demo >/dev/null 2>&1 || true
sleep 4
import -window root -crop 960x200+0+0 "$out/window.png"
echo "wrote $out/notification.png and $out/window.png"
