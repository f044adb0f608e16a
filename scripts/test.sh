#!/usr/bin/env bash
# Runs every check and test. CI runs exactly this (.ci/run). Installs what is missing first:
# system packages (Debian), a local PostgreSQL cluster for the PostgreSQL half of the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# A failed step says how much disk was left: a full disk shows up as an obscure linker error.
trap 'df -h . >&2' ERR
# A one-off CI build gains nothing from incremental caches, which would double the target directory.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
# One feature set for every cargo step, the end-to-end app build included, so nothing is compiled twice:
# custom-protocol embeds ui/dist into the desktop binary (the real app, not a window onto a dev server).
export COUNTERSIGN_CARGO_FEATURES="countersign-desktop/custom-protocol"

scripts/setup-debian.sh
COUNTERSIGN_TEST_POSTGRES_URL="$(scripts/postgres.sh)"
export COUNTERSIGN_TEST_POSTGRES_URL

echo "== ui: install, lint, typecheck, unit tests, build"
# The desktop shell embeds ui/dist at compile time, so the UI is built before any cargo step.
(cd ui && npm ci --no-audit --no-fund && npm run lint && npm run typecheck && npm test && npm run build)

echo "== format"
cargo fmt --all -- --check
echo "== dependency policy (cargo-deny: licences, bans, sources, advisories; deny.toml)"
command -v cargo-deny >/dev/null || cargo install cargo-deny --version 0.20.2 --locked
cargo deny check licenses bans sources
# The live RustSec database where reachable, else the snapshot in ../shared/advisory-db.
scripts/advisories.sh
echo "== lint"
cargo clippy --workspace --all-targets --features "$COUNTERSIGN_CARGO_FEATURES" --locked -- -D warnings
echo "== build"
# The binaries too: tests run countersign-queue and countersign-cli as real processes.
cargo build --workspace --bins --features "$COUNTERSIGN_CARGO_FEATURES" --locked
scripts/sdk-test.sh
scripts/openapi-types.sh
echo "== fuzz the queue API (schemathesis against /openapi.json)"
scripts/fuzz-api.sh
echo "== test"
# Inside a private D-Bus session with a real Secret Service and notification server.
src-tauri/crates/client/scripts/with-session-bus.sh cargo test --workspace --features "$COUNTERSIGN_CARGO_FEATURES" --locked
echo "== desktop end-to-end (the real app under Xvfb, driven over WebDriver)"
scripts/desktop-e2e.sh
