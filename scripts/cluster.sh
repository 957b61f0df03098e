#!/usr/bin/env bash
# A real Temporal cluster on this host, without Docker: Debian's PostgreSQL, the Temporal server
# (built from its Go module) with our config (deploy/temporal/config/fsto.yaml), the `default`
# namespace with fsto's search attributes, and the Web UI server. Versions: deploy/versions.env.
#
#   bash scripts/cluster.sh up       build what is missing, start what is not running (idempotent)
#   bash scripts/cluster.sh status   what runs, and whether the frontend answers
#   bash scripts/cluster.sh down     stop the UI and the server (PostgreSQL and the data stay)
#   bash scripts/cluster.sh env      the variables workers and the CLI need (TEMPORAL_ADDRESS, …)
#
# The frontend requires mutual TLS (scripts/cluster-tls.sh): clients need the certificate and key the
# env file names (TEMPORAL_TLS_CLIENT_CERT_PATH, …; the Temporal CLI's TEMPORAL_TLS_CERT, … too).
#
# Settings (environment): FSTO_CLUSTER_DIR (pid files, logs, passwords, tls/; /var/lib/fsto-cluster),
# FSTO_CLUSTER_PORT (frontend gRPC, 7233; the other services use the next ports),
# FSTO_CLUSTER_BIND_IP (127.0.0.1; 0.0.0.0 for workers on other machines), FSTO_CLUSTER_UI_PORT
# (8080), FSTO_CLUSTER_DB_PREFIX (prefix of the database names), FSTO_PG_PORT (5432),
# FSTO_CLUSTER_TLS_NAMES (more names of the frontend for its certificate, e.g. the host's DNS name).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../deploy/versions.env
. "$here/deploy/versions.env"
CACHE=${FSTO_CACHE_DIR:-/var/cache/fsto}
SERVER_DIR=$CACHE/temporal-server-v$TEMPORAL_SERVER_VERSION
UI_DIR=$CACHE/temporal-ui-v$TEMPORAL_UI_VERSION
CLI=${FSTO_TEMPORAL_BIN:-$CACHE/temporal-v$TEMPORAL_CLI_VERSION-server$TEMPORAL_CLI_SERVER_VERSION/temporal}
RUN_DIR=${FSTO_CLUSTER_DIR:-/var/lib/fsto-cluster}
PORT=${FSTO_CLUSTER_PORT:-7233}
UI_PORT=${FSTO_CLUSTER_UI_PORT:-8080}
PG_PORT=${FSTO_PG_PORT:-5432}
PREFIX=${FSTO_CLUSTER_DB_PREFIX:-}
TEMPORAL_DB=${PREFIX}temporal
VISIBILITY_DB=${PREFIX}temporal_visibility
RESULTS_DB=${PREFIX}fsto_results
PG_USER=temporal
RESULTS_USER=fsto
NAMESPACE=default
# fsto's search attributes (common/search-attributes.ts; test/deploy/versions.test.ts compares).
SEARCH_ATTRIBUTES='FstoKernel=Keyword FstoFsConfig=Keyword FstoOutcome=Keyword FstoFailedCount=Int'

say() { printf 'cluster: %s\n' "$*"; }
die() {
  printf 'cluster: %s\n' "$*" >&2
  exit 1
}
. "$here/scripts/cluster-build.sh"
. "$here/scripts/cluster-db.sh"
. "$here/scripts/cluster-tls.sh"

[ "$(id -u)" = 0 ] || die "run as root: it manages PostgreSQL and writes $RUN_DIR"
mkdir -p "$RUN_DIR"
chmod 700 "$RUN_DIR"

# A password made once and kept in the cluster dir (or given in the environment).
password() {
  local file=$RUN_DIR/$1.password
  [ -s "$file" ] || (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$file")
  cat "$file"
}
PG_PASSWORD=${FSTO_PG_PASSWORD:-$(password temporal)}
RESULTS_PASSWORD=${FSTO_RESULTS_PASSWORD:-$(password fsto)}

export FSTO_T_FRONTEND_PORT=$PORT FSTO_T_HISTORY_PORT=$((PORT + 1)) FSTO_T_MATCHING_PORT=$((PORT + 2))
export FSTO_T_WORKER_PORT=$((PORT + 6)) FSTO_T_HTTP_PORT=$((PORT + 10)) FSTO_T_METRICS_PORT=$((PORT + 767))
export FSTO_T_FRONTEND_MEMBERSHIP_PORT=$((PORT - 300)) FSTO_T_HISTORY_MEMBERSHIP_PORT=$((PORT - 299))
export FSTO_T_MATCHING_MEMBERSHIP_PORT=$((PORT - 298)) FSTO_T_WORKER_MEMBERSHIP_PORT=$((PORT - 294))
export FSTO_T_BIND_IP=${FSTO_CLUSTER_BIND_IP:-127.0.0.1} FSTO_T_UI_IP=${FSTO_CLUSTER_UI_IP:-127.0.0.1}
export FSTO_T_UI_PORT=$UI_PORT FSTO_T_PG_PORT=$PG_PORT FSTO_T_PG_USER=$PG_USER FSTO_T_PG_PASSWORD=$PG_PASSWORD
export FSTO_T_DB=$TEMPORAL_DB FSTO_T_VISIBILITY_DB=$VISIBILITY_DB
export FSTO_T_DYNAMIC_CONFIG=$here/deploy/temporal/dynamicconfig/fsto.yaml
export FSTO_T_TLS_DIR=$TLS_DIR
ADDRESS=127.0.0.1:$PORT
# The Temporal CLI (health, init.sh) connects as a client of the cluster: its TLS environment.
export TEMPORAL_TLS_CERT=$TLS_DIR/client.pem TEMPORAL_TLS_KEY=$TLS_DIR/client.key TEMPORAL_TLS_CA=$TLS_DIR/ca.pem

# The pid in <name>.pid, if that process is alive and still runs <binary>.
running() {
  local pid
  pid=$(cat "$RUN_DIR/$1.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$2" ] && echo "$pid"
}

# Start `binary args…` in its own session unless it runs; its log goes to <name>.log.
start() {
  local name=$1 bin=$2
  shift 2
  if pid=$(running "$name" "$bin"); then
    say "$name runs (pid $pid)"
    return
  fi
  # Started from this shell (no subshell between): $! is the binary itself, in a session of its
  # own, writing only to its log, so nothing here waits for it.
  setsid "$bin" "$@" >>"$RUN_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
  say "$name started (pid $(cat "$RUN_DIR/$name.pid"), log $RUN_DIR/$name.log)"
}

stop() {
  local name=$1 bin=$2 pid
  pid=$(running "$name" "$bin") || { say "$name is not running"; return; }
  kill -TERM "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { say "$name stopped"; rm -f "$RUN_DIR/$name.pid"; return; }
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
  say "$name killed (did not stop within 30 s)"
}

healthy() { "$CLI" operator cluster health --address "$ADDRESS" 2>/dev/null | grep -q SERVING; }

wait_until() {
  local what=$1 secs=$2
  shift 2
  for _ in $(seq 1 "$secs"); do "$@" && return; sleep 1; done
  die "$what: not ready within $secs s (logs in $RUN_DIR)"
}

ui_up() { curl -fs -o /dev/null "http://127.0.0.1:$UI_PORT/" 2>/dev/null; }

write_env() {
  (umask 077 && cat >"$RUN_DIR/env" <<ENV
TEMPORAL_ADDRESS=$ADDRESS
TEMPORAL_NAMESPACE=$NAMESPACE
TEMPORAL_TLS_CLIENT_CERT_PATH=$TLS_DIR/client.pem
TEMPORAL_TLS_CLIENT_KEY_PATH=$TLS_DIR/client.key
TEMPORAL_TLS_CA_PATH=$TLS_DIR/ca.pem
TEMPORAL_TLS_SERVER_NAME=localhost
TEMPORAL_TLS_CERT=$TLS_DIR/client.pem
TEMPORAL_TLS_KEY=$TLS_DIR/client.key
TEMPORAL_TLS_CA=$TLS_DIR/ca.pem
FSTO_UI_URL=http://localhost:$UI_PORT
FSTO_RESULTS_URL=postgres://$RESULTS_USER:$RESULTS_PASSWORD@127.0.0.1:$PG_PORT/$RESULTS_DB
ENV
  )
}

up() {
  check_cli
  build_server
  build_ui
  setup_databases
  make_tls
  start server "$SERVER_DIR/server" --root "$here" --config deploy/temporal/config --env fsto --allow-no-auth start
  wait_until "Temporal server at $ADDRESS" 90 healthy
  say "Temporal server $TEMPORAL_SERVER_VERSION serving at $ADDRESS"
  PATH=$(dirname "$CLI"):$PATH TEMPORAL_ADDRESS=$ADDRESS FSTO_NAMESPACE=$NAMESPACE \
    FSTO_SEARCH_ATTRIBUTES=$SEARCH_ATTRIBUTES sh "$here/deploy/temporal/init.sh" | sed 's/^init: /cluster: /'
  start ui "$UI_DIR/server" --root "$here/deploy/temporal" --config ui --env fsto start
  wait_until "Web UI on :$UI_PORT" 30 ui_up
  write_env
  say "Web UI $TEMPORAL_UI_VERSION on http://localhost:$UI_PORT"
  say "ready; for workers and the CLI: set -a; . $RUN_DIR/env; set +a"
}

status() {
  local rc=0 pid
  if pid=$(running server "$SERVER_DIR/server"); then say "server: pid $pid"; else say "server: not running"; rc=1; fi
  if healthy; then say "frontend $ADDRESS: SERVING"; else say "frontend $ADDRESS: not answering"; rc=1; fi
  if pid=$(running ui "$UI_DIR/server"); then say "ui: pid $pid, http://localhost:$UI_PORT"; else say "ui: not running"; rc=1; fi
  return $rc
}

case ${1:-} in
  up) up ;;
  down) stop ui "$UI_DIR/server" && stop server "$SERVER_DIR/server" ;;
  status) status ;;
  env) write_env && cat "$RUN_DIR/env" ;;
  *) die "usage: $0 up|status|down|env" ;;
esac
