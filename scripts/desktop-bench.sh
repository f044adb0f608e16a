#!/usr/bin/env bash
# The desktop app benchmark (tests/benches/desktop.rs): builds the UI and the RELEASE app binary, then
# runs the bench under a virtual display and a private D-Bus session, where it starts tauri-driver
# (WebKitWebDriver) and a real queue service, and prints cold start, idle memory and decide-to-next
# latency, each beside a baseline measured in the same run.
# BENCH_RUNS (cold starts, 5), BENCH_DECISIONS (100) and BENCH_IDLE_SECONDS (10) tune it; BENCH_APP_LOG=1
# lets tauri-driver (and what it passes on from WebKitWebDriver) print.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/desktop-prereqs.sh

echo "== release app build"
# custom-protocol embeds ui/dist: the binary is the real app, not a window onto a dev server.
cargo build --release -p countersign-desktop --features custom-protocol --locked

echo "== desktop benchmark"
COUNTERSIGN_DESKTOP_BENCH=1 \
COUNTERSIGN_DESKTOP_APP="${CARGO_TARGET_DIR:-$PWD/target}/release/countersign-desktop" \
  xvfb-run -a -s "-screen 0 1280x800x24" \
  dbus-run-session -- \
  cargo bench -p countersign-tests --bench desktop --locked
