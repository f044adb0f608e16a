#!/usr/bin/env bash
# Installs what is missing, builds the review UI and the desktop app, and starts Countersign on its
# embedded default: a queue service running inside the app on loopback (SQLite in the app's data
# directory), seeded with realistic demo work, signed in as a demo senior reviewer, with a demo
# producer adding new items (escalations included) every so often.
#
# Settings (in the app) switch to a real queue server: its URL, and a token kept in the OS keyring.
# With no display (a server, CI), the app runs under Xvfb; set COUNTERSIGN_SCREENSHOT=FILE to save
# a screenshot of the window a few seconds after start.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-debian.sh
(cd ui && npm ci --no-audit --no-fund && npm run build)
# custom-protocol embeds ui/dist into the binary (without it the window expects the Vite dev server).
cargo build --locked -p countersign-desktop --features custom-protocol
app="${CARGO_TARGET_DIR:-target}/debug/countersign-desktop"

if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$app"
fi

echo "No display: running Countersign under Xvfb (virtual screen 1280x800)." >&2
shot="${COUNTERSIGN_SCREENSHOT:-}"
exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c '
  "$1" &
  app_pid=$!
  if [ -n "$2" ]; then
    sleep "${COUNTERSIGN_SCREENSHOT_AFTER:-8}"
    import -window root "$2" && echo "screenshot saved to $2" >&2
  fi
  wait "$app_pid"
' run-countersign "$app" "$shot"
