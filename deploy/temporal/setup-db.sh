#!/bin/sh
# Create Temporal's two PostgreSQL databases and bring their schemas up to the version the
# admin-tools image ships (run by the temporal-schema service before the server starts).
# Idempotent: `create` fails harmlessly when the database exists; update-schema is a no-op then.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
port=${DB_PORT:-5432}
schema=/etc/temporal/schema/postgresql/v12

tries=0
until nc -z "$POSTGRES_SEEDS" "$port"; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "setup-db: PostgreSQL at $POSTGRES_SEEDS:$port never answered" >&2; exit 1; }
  sleep 2
done

for db in temporal temporal_visibility; do
  dir=$schema/temporal/versioned
  [ "$db" = temporal_visibility ] && dir=$schema/visibility/versioned
  sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$port" -u "$POSTGRES_USER" --db "$db" "$@"; }
  sql create 2>/dev/null || echo "setup-db: database $db exists"
  sql setup-schema -v 0.0 2>/dev/null || echo "setup-db: $db already has a schema"
  sql update-schema -d "$dir"
done
# fsto's results store (the workers' FSTO_RESULTS_URL): a database; fsto creates its tables.
temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$port" -u "$POSTGRES_USER" --db fsto_results create 2>/dev/null ||
  echo "setup-db: database fsto_results exists"
echo "setup-db: schemas ready"
