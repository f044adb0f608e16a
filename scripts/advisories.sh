#!/usr/bin/env bash
# `cargo deny check advisories` (RustSec: vulnerable, unmaintained, unsound or yanked crates in
# Cargo.lock; what is accepted, and why, is in deny.toml). Uses the live database where it can be
# reached, else, offline, the snapshot ../shared/advisory-db beside the repository (CI has it too).
set -euo pipefail
cd "$(dirname "$0")/.."

live=https://github.com/RustSec/advisory-db
# COUNTERSIGN_ADVISORY_SNAPSHOT=1 skips the live database, to check against the snapshot on purpose.
if [ -z "${COUNTERSIGN_ADVISORY_SNAPSHOT:-}" ] && timeout 30 git ls-remote --exit-code "$live" HEAD >/dev/null 2>&1; then
  echo "advisories: the live RustSec database" >&2
  exec cargo deny check advisories
fi

snapshot=../shared/advisory-db
if [ ! -d "$snapshot/crates" ]; then
  echo "advisories: $live is unreachable and there is no snapshot at $snapshot" >&2
  exit 1
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# cargo-deny opens its default database ($live) at <db-path>/<last path segment>-<16 hex digits>,
# the digits being XxHash64 (seed 0xca80de71) of the lowercased URL (url_to_db_path in cargo-deny
# 0.20's src/advisories/helpers/db.rs). If a cargo-deny upgrade changes that scheme, this step fails
# with "failed to get 'HEAD' metadata" for the path it expected.
db="$root/advisory-db-3157b0e258782691"
cp -R "$snapshot" "$db"
# One commit, dated as the newest advisory in the snapshot, so the repository says how old it is.
newest=$(grep -rhoE '^date = "[0-9]{4}-[0-9]{2}-[0-9]{2}"' "$db/crates" | cut -d'"' -f2 | sort | tail -1)
(
  cd "$db"
  git init -q
  git add -A
  GIT_AUTHOR_DATE="${newest}T00:00:00Z" GIT_COMMITTER_DATE="${newest}T00:00:00Z" \
    git -c user.name=countersign -c user.email=countersign@localhost commit -qm "RustSec advisory database snapshot"
)
echo "advisories: offline, the snapshot $snapshot (newest advisory $newest)" >&2
# --offline keeps cargo-deny off the network, cargo metadata included: the crates of every target
# must be in the local cache first.
cargo fetch --locked >/dev/null
# The same policy with db-path pointing at the copy.
config="$root/deny.toml"
sed "s|^\[advisories\]\$|&\ndb-path = \"$root\"|" deny.toml >"$config"
grep -q "^db-path = \"$root\"" "$config" || { echo "deny.toml has no [advisories] section" >&2; exit 1; }
cargo deny --offline --config "$config" check advisories
