#!/usr/bin/env bash
# The desktop end-to-end test (tests/tests/integration/desktop_e2e.rs): builds the UI and the real app binary, then
# runs the test under a virtual display and a private D-Bus session with a real Secret Service (the
# reviewer signs in and the app keeps the token there), where it starts tauri-driver (WebKitWebDriver)
# and a real queue service. Anything missing is a failure, never a skip.
# Screenshots land in test-output/desktop-e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/desktop-prereqs.sh

echo "== app build"
# custom-protocol embeds ui/dist: the binary is the real app, not a window onto a dev server. Same flags as
# scripts/test.sh's build step, so under it this finds everything built already.
cargo build --workspace --bins --features "${COUNTERSIGN_CARGO_FEATURES:-countersign-desktop/custom-protocol}" --locked

rm -rf test-output/desktop-e2e
echo "== desktop end-to-end test"
COUNTERSIGN_DESKTOP_APP="${CARGO_TARGET_DIR:-$PWD/target}/debug/countersign-desktop" \
  xvfb-run -a -s "-screen 0 1280x800x24" \
  src-tauri/crates/client/scripts/with-session-bus.sh \
  cargo test --workspace --features "${COUNTERSIGN_CARGO_FEATURES:-countersign-desktop/custom-protocol}" \
    --test integration --locked -- --ignored --nocapture --test-threads=1 desktop_e2e::
