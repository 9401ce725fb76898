#!/usr/bin/env bash
# Takes the README's screenshots from the real app under Xvfb, in demo mode: the tray
# icon (in a standalone StatusNotifierItem bar) with a page (drawn by dunst), the window
# (opened the way a second launch opens it), and the tray menu (in trayer, an XEmbed
# tray, through snixembed, which shows StatusNotifierItems in XEmbed trays).
# Usage: scripts/screenshots.sh [path/to/oncall-tray]   (default: target/debug/oncall-tray)
# Needs: xvfb, dbus, haskell-gtk-sni-tray-utils, trayer, snixembed, dunst, xdotool,
# imagemagick.
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

if [ -n "${ONCALL_SCREENSHOT_MENU:-}" ]; then
  trayer --edge top --align right --widthtype request --height 28 --tint 0x2e3440 \
    --transparent true --alpha 0 >/dev/null 2>&1 &
  snixembed >/dev/null 2>&1 &
  sleep 1
  RUST_LOG=warn "$bin" --demo >/dev/null 2>&1 &
  sleep 9
  read -r width _ < <(xdotool getdisplaygeometry)
  xdotool mousemove $((width - 14)) 14; sleep 0.3; xdotool click 1
  sleep 2
  xdotool mousemove $((width - 200)) 60   # open the first incident's submenu
  sleep 1.5
  import -window root -crop 760x230+$((width - 760))+0 "$out/tray-menu.png"
  echo "wrote $out/tray-menu.png"
  exit 0
fi
if [ -n "${ONCALL_SCREENSHOT_DARK:-}" ]; then
  RUST_LOG=warn "$bin" --demo --show >/dev/null 2>&1 &
  sleep 9
  import -window root -crop 960x320+0+0 "$out/window-dark.png"
  echo "wrote $out/window-dark.png"
  exit 0
fi
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
import -window root -crop 960x640+0+0 "$out/window.png"
# The Settings tab (key 3), in the same window.
xdotool search --name '^oncall-tray$' windowactivate --sync 2>/dev/null || true
xdotool key 3
sleep 1.5
import -window root -crop 960x640+0+0 "$out/settings.png"
# The first incident's detail pane (Incidents is key 1; j selects the row, d opens it).
xdotool key 1; sleep 0.5; xdotool key j; sleep 0.3; xdotool key d
sleep 2.5
import -window root -crop 960x640+0+0 "$out/details.png"
echo "wrote $out/notification.png, $out/window.png, $out/settings.png and $out/details.png"

# The dark theme: the page follows the system's, here GTK's dark Adwaita.
if [ -z "${ONCALL_SCREENSHOT_DARK:-}" ] && [ -z "${ONCALL_SCREENSHOT_MENU:-}" ]; then
  kill $(jobs -p) 2>/dev/null || true
  sleep 1
  ONCALL_SCREENSHOT_DARK=1 GTK_THEME=Adwaita:dark xvfb-run -a -s "-screen 0 1024x640x24" \
    dbus-run-session -- "$0" "$bin" || true
fi

# The tray menu: a second session with an XEmbed tray and no SNI watcher.
if [ -z "${ONCALL_SCREENSHOT_MENU:-}" ]; then
  kill $(jobs -p) 2>/dev/null || true
  exec env ONCALL_SCREENSHOT_MENU=1 xvfb-run -a -s "-screen 0 1024x640x24" \
    dbus-run-session -- "$0" "$bin"
fi
