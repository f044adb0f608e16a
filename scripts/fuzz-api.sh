#!/usr/bin/env bash
# OpenAPI-driven fuzzing of the queue service with schemathesis: for each role (and no token), every
# operation in /openapi.json gets generated valid and invalid requests; any 5xx, crash, undocumented
# status or response that does not match the schema fails the run. One check is left out:
# positive_data_acceptance, because the service rightly refuses some schema-valid input that a
# JSON schema cannot describe (an RFC 3339 time that is an empty string, a cursor it never issued,
# a callback URL that is not http(s)); those refusals are 4xx with an error body, which the other
# checks still verify. GET /v1/events is a stream that never ends by itself, so it is left to the
# integration tests (tests/tests/integration/queue_delivery.rs), which read its events.
#   scripts/fuzz-api.sh            CI-sized (fixed seed)
#   FUZZ_EXAMPLES=1000 scripts/fuzz-api.sh   the long version
set -euo pipefail
cd "$(dirname "$0")/.."

examples="${FUZZ_EXAMPLES:-25}"
seed="${FUZZ_SEED:-20261125}"
venv=target/fuzz-venv
# A venv holds absolute paths: one that no longer runs (the checkout moved) is made again.
if ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==4.32.5"
fi
cargo build --locked -q -p countersign-queue
queue="${CARGO_TARGET_DIR:-target}/debug/countersign-queue"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export COUNTERSIGN_DATABASE_URL="sqlite://$work/queue.db"
"$queue" seed-demo --count 60 >/dev/null
declare -A tokens
for role in producer reviewer senior admin; do
  tokens[$role]="$("$queue" user add "fuzz-$role" --role "$role")"
done
"$queue" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q "^listening on " "$work/serve.out" 2>/dev/null && break
  sleep 0.1
done
url="$(sed -n 's/^listening on //p' "$work/serve.out")"
[ -n "$url" ] || { echo "queue service did not start:" >&2; cat "$work/serve.err" >&2; exit 1; }

status=0
for role in none producer reviewer senior admin; do
  echo "== schemathesis as $role ($examples examples per operation, seed $seed)"
  auth=()
  [ "$role" = none ] || auth=(-H "Authorization: Bearer ${tokens[$role]}")
  "$venv/bin/schemathesis" run "$url/openapi.json" "${auth[@]}" \
    --checks all --exclude-checks positive_data_acceptance --exclude-path /v1/events --max-examples "$examples" --seed "$seed" \
    --suppress-health-check all --no-color --request-timeout 20 || status=1
done
kill -0 "$server_pid" 2>/dev/null || { echo "the queue service died during fuzzing" >&2; status=1; }
exit "$status"
