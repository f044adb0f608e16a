#!/usr/bin/env bash
# The app icon's source: two check marks (the AI's proposal and the human's countersignature) on a
# rounded square, drawn with ImageMagick, then every size tauri.conf.json names.
# Regenerate with: icons/make-icons.sh   (needs imagemagick)
set -euo pipefail
cd "$(dirname "$0")"
convert -size 1024x1024 xc:none \
  -fill '#1f3a5f' -draw 'roundrectangle 64,64 960,960 192,192' \
  -fill none -stroke '#7fb3e6' -strokewidth 96 -draw 'polyline 250,540 420,700 780,330' \
  -stroke '#ffffff' -draw 'polyline 250,470 420,630 780,260' \
  PNG32:icon-1024.png
for size in 32 128; do convert icon-1024.png -resize "${size}x${size}" "PNG32:${size}x${size}.png"; done
convert icon-1024.png -resize 256x256 PNG32:128x128@2x.png
convert icon-1024.png -resize 512x512 PNG32:icon.png
convert icon-1024.png -define icon:auto-resize=256,128,64,48,32,16 icon.ico
