#!/usr/bin/env bash
# Starts the local PostgreSQL cluster (installed by setup-debian.sh) and makes sure the
# `countersign` role exists. Prints the base URL for tests as its only line on stdout:
#   export COUNTERSIGN_TEST_POSTGRES_URL=$(scripts/postgres.sh)
# Fails loudly when PostgreSQL cannot be started or reached: tests never skip it silently.
set -euo pipefail

user=countersign
password=countersign
port=${COUNTERSIGN_PG_PORT:-5432}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  echo "PostgreSQL is not installed: run scripts/setup-debian.sh first." >&2
  exit 1
fi

cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
if [ -z "$cluster" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -1)
  echo "Creating PostgreSQL cluster $version/main" >&2
  root=""; [ "$(id -u)" -eq 0 ] || root="sudo"
  $root pg_createcluster "$version" main --port "$port" >&2
  cluster="$version main"
fi
read -r version name <<<"$cluster"
root=""; [ "$(id -u)" -eq 0 ] || root="sudo"
if ! pg_lsclusters -h | awk -v v="$version" -v n="$name" '$1==v && $2==n {print $4}' | grep -q online; then
  echo "Starting PostgreSQL $version/$name" >&2
  $root pg_ctlcluster "$version" "$name" start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" -v n="$name" '$1==v && $2==n {print $3}')

for _ in $(seq 1 30); do
  as_postgres psql -p "$port" -qtAc "SELECT 1" >/dev/null 2>&1 && break
  sleep 1
done
as_postgres psql -p "$port" -qtAc "SELECT 1" >/dev/null || { echo "PostgreSQL did not come up on port $port" >&2; exit 1; }

as_postgres psql -p "$port" -qtAc "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
    CREATE ROLE $user LOGIN CREATEDB PASSWORD '$password';
  END IF; END \$\$;" >&2
# Tests run many servers in parallel, each with a pool of connections.
current=$(as_postgres psql -p "$port" -qtAc "SHOW max_connections")
if [ "$current" -lt 400 ]; then
  as_postgres psql -p "$port" -qtAc "ALTER SYSTEM SET max_connections = 400" >&2
  $root pg_ctlcluster "$version" "$name" restart >&2
  sleep 1
fi
# Drop databases left by earlier runs: tests name theirs cs_test_<uuid> (countersign-testkit's
# postgres module); benchmarks cs_bench_, cs_load_ and cs_escalation_; cs_client_ is the client tests' former prefix.
# `_` is a LIKE wildcard, hence the escapes. A database still in use (another run's) is left alone.
prefixes=(cs_test_ cs_client_ cs_bench_ cs_load_ cs_escalation_)
for prefix in "${prefixes[@]}"; do
  pattern=${prefix//_/\\_}%
  for db in $(as_postgres psql -p "$port" -qtAc "SELECT datname FROM pg_database WHERE datname LIKE '$pattern'"); do
    as_postgres psql -p "$port" -qtAc "DROP DATABASE IF EXISTS \"$db\"" >&2 || true
  done
done

url="postgres://$user:$password@127.0.0.1:$port"
PGPASSWORD=$password psql "$url/postgres" -qtAc "SELECT 1" >/dev/null || { echo "cannot connect to $url" >&2; exit 1; }
echo "$url"
