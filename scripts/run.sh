#!/usr/bin/env bash
# Installs what is missing, then runs the Countersign queue service on its embedded default
# (SQLite) seeded with realistic demo work, on http://127.0.0.1:8470 until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-debian.sh
cargo build --locked -p countersign-queue -p countersign-client --bins
queue=target/debug/countersign-queue

data_dir="${COUNTERSIGN_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/countersign}"
mkdir -p "$data_dir"
export COUNTERSIGN_DATABASE_URL="sqlite://$data_dir/demo-queue.db"
listen="${COUNTERSIGN_LISTEN:-127.0.0.1:8470}"

"$queue" seed-demo --count 120
# Demo accounts; tokens are shown once, so each run gives the demo senior a fresh one.
for account in "demo-reviewer reviewer" "demo-senior senior" "demo-admin admin"; do
  read -r name role <<<"$account"
  "$queue" user add "$name" --role "$role" >/dev/null 2>&1 || true
done
token="$("$queue" user rotate-token demo-senior)"

cat <<MSG

Countersign queue on http://$listen ($COUNTERSIGN_DATABASE_URL)
Demo senior reviewer token (new on every run): $token

Try it from another terminal:
  export COUNTERSIGN_TOKEN=$token
  target/debug/countersign-cli --data-dir /tmp/countersign-demo --server http://$listen sync
  target/debug/countersign-cli --data-dir /tmp/countersign-demo list

MSG
exec "$queue" serve --listen "$listen"
