#!/usr/bin/env bash
# Regenerates the tray and app icons from drawing primitives (ImageMagick 6, no fonts).
# Drawn large and scaled down so edges are smooth. Output: RGBA PNGs (Tauri needs RGBA)
# without timestamps (the same drawing gives the same bytes), icon.ico for Windows
# builds, icon.icns for macOS bundles, and app.svg, the app icon as a scalable image.
# Needs ImageMagick 6 (Debian: imagemagick) and png2icns (Debian: icnsutils), as
# ImageMagick cannot write .icns.
#
# The app icon at the freedesktop (hicolor) sizes: NxN.png, N = 16 24 32 48 64 128 256
# 512, and app.svg. A Linux package installs them as
# share/icons/hicolor/NxN/apps/oncall-tray.png and
# share/icons/hicolor/scalable/apps/oncall-tray.svg (`Icon=oncall-tray` in
# packaging/linux/oncall-tray.desktop); tests/desktop_files.rs checks the sizes and
# that app.svg is the same picture.
set -euo pipefail
cd "$(dirname "$0")"
IM="/usr/bin/convert"
command -v png2icns >/dev/null || { echo "png2icns is missing: apt-get install icnsutils" >&2; exit 1; }
# Every PNG written: 8-bit RGBA, no date or time chunks.
PNG=(-depth 8 -define png:color-type=6 -define png:exclude-chunks=date,time)

circle() { # colour, extra draw commands, output
  $IM -size 256x256 xc:none -fill "$1" -draw "circle 128,128 128,8" \
    -stroke white -strokewidth 26 -fill none -draw "$2" \
    -resize 64x64 "${PNG[@]}" "$3"
}

# All clear: a green check.
circle '#1e8e3e' "polyline 72,134 112,174 186,92" tray-clear.png
# All clear, and on call: the check on the app's blue (on duty, nothing needs you).
circle '#1a56db' "polyline 72,134 112,174 186,92" tray-oncall.png
# Needs you: a red exclamation mark.
$IM -size 256x256 xc:none -fill '#d93025' -draw "circle 128,128 128,8" \
  -fill white -draw "roundrectangle 113,52 143,150 12,12" -draw "circle 128,190 128,172" \
  -resize 64x64 "${PNG[@]}" tray-triggered.png
# Acknowledged only: an amber clock (someone is on it, it is not over).
$IM -size 256x256 xc:none -fill '#e37400' -draw "circle 128,128 128,8" \
  -stroke white -strokewidth 18 -fill none -draw "circle 128,128 128,58" \
  -draw "polyline 128,84 128,132 162,150" \
  -resize 64x64 "${PNG[@]}" tray-acknowledged.png
# Paused: two grey bars.
$IM -size 256x256 xc:none -fill '#5f6368' -draw "circle 128,128 128,8" \
  -fill white -draw "roundrectangle 86,72 114,184 8,8" -draw "roundrectangle 142,72 170,184 8,8" \
  -resize 64x64 "${PNG[@]}" tray-paused.png
# Error / offline: a dark cross.
circle '#3c4043' "line 84,84 172,172 line 172,84 84,172" tray-error.png

# App icon: a white bell on a blue rounded square, on a 1024 px canvas. The shapes are
# given once and drawn twice: by ImageMagick for the PNGs, and as app.svg.
BLUE='#1a56db'
SQUARE=(64 64 960 960 180)       # x0 y0 x1 y1 corner radius
BELL='M 512,210 C 380,210 318,310 318,430 L 318,600 L 250,690 L 774,690 L 706,600 L 706,430 C 706,310 644,210 512,210 Z'
CLAPPER=(512 760 60)             # cx cy r
KNOB=(512 200 30)                # cx cy r
circle_draw() { echo "circle $1,$2 $1,$(($2 - $3))"; }
$IM -size 1024x1024 xc:none -fill "$BLUE" \
  -draw "roundrectangle ${SQUARE[0]},${SQUARE[1]} ${SQUARE[2]},${SQUARE[3]} ${SQUARE[4]},${SQUARE[4]}" \
  -fill white -draw "path '$BELL'" \
  -draw "$(circle_draw "${CLAPPER[@]}")" -draw "$(circle_draw "${KNOB[@]}")" \
  "${PNG[@]}" app-1024.png
cat >app.svg <<SVG
<?xml version="1.0" encoding="UTF-8"?>
<!-- Drawn by icons/generate.sh: edit it there, not here. -->
<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="1024" viewBox="0 0 1024 1024">
  <rect x="${SQUARE[0]}" y="${SQUARE[1]}" width="$((SQUARE[2] - SQUARE[0]))" height="$((SQUARE[3] - SQUARE[1]))" rx="${SQUARE[4]}" ry="${SQUARE[4]}" fill="$BLUE"/>
  <g fill="#ffffff">
    <path d="$BELL"/>
    <circle cx="${CLAPPER[0]}" cy="${CLAPPER[1]}" r="${CLAPPER[2]}"/>
    <circle cx="${KNOB[0]}" cy="${KNOB[1]}" r="${KNOB[2]}"/>
  </g>
</svg>
SVG
for s in 16 24 32 48 64 128 256 512; do $IM app-1024.png -resize ${s}x${s} "${PNG[@]}" "${s}x${s}.png"; done
$IM app-1024.png -resize 256x256 "${PNG[@]}" 128x128@2x.png
cp 512x512.png icon.png
$IM app-1024.png -define icon:auto-resize=256,128,64,48,32,16 icon.ico
# macOS: the sizes Finder and the Dock use, 16 to 512 and 1024 (512@2x).
png2icns icon.icns 16x16.png 32x32.png 128x128.png 256x256.png 512x512.png app-1024.png >/dev/null
rm app-1024.png
