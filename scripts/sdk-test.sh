#!/usr/bin/env bash
# The Python SDK's tests (clients/python/tests) against a real queue service, started from the
# binary `cargo build` made, on SQLite and on PostgreSQL (COUNTERSIGN_TEST_POSTGRES_URL; unset, those tests fail rather than skip).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== Python SDK against a real queue (clients/python)"

venv=target/sdk-venv
# A venv holds absolute paths: one that no longer runs (the checkout moved) is made again.
if ! "$venv/bin/python" -c "import hatchling" >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet hatchling
fi
# Reinstalled every run, so the tests see this checkout's SDK; without build isolation and with its
# dependencies already in the venv, that needs no network after the first run.
"$venv/bin/pip" install --quiet --no-build-isolation "./clients/python[test]"
export COUNTERSIGN_QUEUE_BIN="${COUNTERSIGN_QUEUE_BIN:-${CARGO_TARGET_DIR:-target}/debug/countersign-queue}"
[ -x "$COUNTERSIGN_QUEUE_BIN" ] || cargo build --locked -q -p countersign-queue
# Lint, format and strict typing (the package is typed: py.typed), with the settings in its pyproject.toml.
(cd clients/python && "../../$venv/bin/ruff" check . && "../../$venv/bin/ruff" format --check . && "../../$venv/bin/mypy" src tests examples)
# pytest exits 5 when it collected no tests: that is a failure here too, as is every other non-zero.
"$venv/bin/pytest" -q clients/python/tests
