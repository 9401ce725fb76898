#!/usr/bin/env bash
# Regenerates the tray and app icons from drawing primitives (ImageMagick 6, no fonts).
# Drawn at 256 px and scaled down so edges are smooth. Output: RGBA PNGs (Tauri needs
# RGBA), plus icon.ico for Windows builds.
set -euo pipefail
cd "$(dirname "$0")"
IM=/usr/bin/convert

circle() { # colour, extra draw commands, output
  $IM -size 256x256 xc:none -fill "$1" -draw "circle 128,128 128,8" \
    -stroke white -strokewidth 26 -fill none -draw "$2" \
    -resize 64x64 -depth 8 -define png:color-type=6 "$3"
}

# All clear: a green check.
circle '#1e8e3e' "polyline 72,134 112,174 186,92" tray-clear.png
# Needs you: a red exclamation mark.
$IM -size 256x256 xc:none -fill '#d93025' -draw "circle 128,128 128,8" \
  -fill white -draw "roundrectangle 113,52 143,150 12,12" -draw "circle 128,190 128,172" \
  -resize 64x64 -depth 8 -define png:color-type=6 tray-triggered.png
# Acknowledged only: an amber clock (someone is on it, it is not over).
$IM -size 256x256 xc:none -fill '#e37400' -draw "circle 128,128 128,8" \
  -stroke white -strokewidth 18 -fill none -draw "circle 128,128 128,58" \
  -draw "polyline 128,84 128,132 162,150" \
  -resize 64x64 -depth 8 -define png:color-type=6 tray-acknowledged.png
# Paused: two grey bars.
$IM -size 256x256 xc:none -fill '#5f6368' -draw "circle 128,128 128,8" \
  -fill white -draw "roundrectangle 86,72 114,184 8,8" -draw "roundrectangle 142,72 170,184 8,8" \
  -resize 64x64 -depth 8 -define png:color-type=6 tray-paused.png
# Error / offline: a dark cross.
circle '#3c4043' "line 84,84 172,172 line 172,84 84,172" tray-error.png

# App icon: a white bell on a blue rounded square.
$IM -size 1024x1024 xc:none -fill '#1a56db' -draw "roundrectangle 64,64 960,960 180,180" \
  -fill white \
  -draw "path 'M 512,210 C 380,210 318,310 318,430 L 318,600 L 250,690 L 774,690 L 706,600 L 706,430 C 706,310 644,210 512,210 Z'" \
  -draw "circle 512,760 512,700" -draw "circle 512,200 512,170" \
  -depth 8 -define png:color-type=6 app-1024.png
for s in 32 128 256 512; do $IM app-1024.png -resize ${s}x${s} -depth 8 -define png:color-type=6 "${s}x${s}.png"; done
$IM app-1024.png -resize 256x256 -depth 8 -define png:color-type=6 128x128@2x.png
cp 512x512.png icon.png
$IM app-1024.png -define icon:auto-resize=256,128,64,48,32,16 icon.ico
rm app-1024.png
