#!/usr/bin/env bash
# Part of scripts/cluster.sh: Debian's PostgreSQL cluster, the roles and databases of Temporal
# and of fsto's results store, and Temporal's schemas brought up to the server's version.
# Sourced, not run. Idempotent: whatever exists is kept.

pg_sql() { runuser -u postgres -- psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -qtAX "$@"; }

start_postgres() {
  command -v pg_lsclusters >/dev/null || die "PostgreSQL missing: apt-get install postgresql"
  local ver name
  read -r ver name < <(pg_lsclusters -h | awk -v p="$PG_PORT" '$3 == p { print $1, $2; exit }')
  if [ -z "${ver:-}" ]; then
    ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
    name=main
    say "creating PostgreSQL cluster $ver/$name on port $PG_PORT"
    pg_createcluster -p "$PG_PORT" "$ver" "$name" >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v v="$ver" -v n="$name" '$1 == v && $2 == n { exit $4 == "online" ? 0 : 1 }'; then
    say "starting PostgreSQL $ver/$name"
    pg_ctlcluster "$ver" "$name" start
  fi
  local tries=0
  until pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; do
    tries=$((tries + 1))
    [ "$tries" -lt 30 ] || die "PostgreSQL on port $PG_PORT is not ready"
    sleep 1
  done
  say "PostgreSQL $ver/$name ready on port $PG_PORT"
}

# A login role with this password (kept in step with the password file), and its own database.
ensure_role() {
  local role=$1 password=$2 extra=${3:-}
  if [ "$(pg_sql -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" = 1 ]; then
    pg_sql -c "ALTER ROLE \"$role\" WITH LOGIN $extra PASSWORD '$password'"
  else
    pg_sql -c "CREATE ROLE \"$role\" WITH LOGIN $extra PASSWORD '$password'"
    say "created PostgreSQL role $role"
  fi
}

ensure_db() {
  local db=$1 owner=$2
  if [ "$(pg_sql -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
    pg_sql -c "CREATE DATABASE \"$db\" OWNER \"$owner\""
    say "created database $db"
  fi
}

# setup-schema -v 0.0 once (it creates schema_version), then update-schema to the server's.
temporal_schema() {
  local db=$1 dir=$2
  local sql=("$SERVER_DIR/sql" --plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT" -u "$PG_USER" --pw "$PG_PASSWORD" --db "$db")
  if [ "$(pg_sql -d "$db" -c "SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_version'")" != 1 ]; then
    "${sql[@]}" setup-schema -v 0.0 >>"$RUN_DIR/schema.log" 2>&1 || die "setup-schema of $db failed (see $RUN_DIR/schema.log)"
  fi
  "${sql[@]}" update-schema -d "$dir" >>"$RUN_DIR/schema.log" 2>&1 || die "update-schema of $db failed (see $RUN_DIR/schema.log)"
  say "schema of $db: $(pg_sql -d "$db" -c 'SELECT curr_version FROM schema_version')"
}

setup_databases() {
  start_postgres
  ensure_role "$PG_USER" "$PG_PASSWORD"
  ensure_role "$RESULTS_USER" "$RESULTS_PASSWORD"
  ensure_db "$TEMPORAL_DB" "$PG_USER"
  ensure_db "$VISIBILITY_DB" "$PG_USER"
  ensure_db "$RESULTS_DB" "$RESULTS_USER"
  local schema=$SERVER_DIR/schema/postgresql/v12
  temporal_schema "$TEMPORAL_DB" "$schema/temporal/versioned"
  temporal_schema "$VISIBILITY_DB" "$schema/visibility/versioned"
}
