#!/usr/bin/env bash
# The desktop app benchmark (tests/benches/desktop.rs): builds the UI and the RELEASE app binary, then
# runs the bench under a virtual display and a private D-Bus session, where it starts tauri-driver
# (WebKitWebDriver) and a real queue service, and prints cold start, idle memory and decide-to-next
# latency, each beside a baseline measured in the same run.
# BENCH_RUNS (cold starts, 5), BENCH_DECISIONS (100) and BENCH_IDLE_SECONDS (10) tune it.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in xvfb-run dbus-run-session WebKitWebDriver npm; do
  command -v "$tool" >/dev/null || { echo "desktop-bench: $tool is missing (scripts/setup-debian.sh)" >&2; exit 1; }
done
if ! command -v tauri-driver >/dev/null; then
  echo "== installing tauri-driver"
  cargo install tauri-driver --locked
fi

echo "== UI build"
[ -d ui/node_modules ] || npm --prefix ui ci --no-audit --no-fund
npm --prefix ui run build

echo "== release app build"
# custom-protocol embeds ui/dist: the binary is the real app, not a window onto a dev server.
cargo build --release -p countersign-desktop --features custom-protocol --locked

echo "== desktop benchmark"
COUNTERSIGN_DESKTOP_BENCH=1 \
COUNTERSIGN_DESKTOP_APP="${CARGO_TARGET_DIR:-$PWD/target}/release/countersign-desktop" \
  xvfb-run -a -s "-screen 0 1280x800x24" \
  dbus-run-session -- \
  cargo bench -p countersign-tests --bench desktop --locked
