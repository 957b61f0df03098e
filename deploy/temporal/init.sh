#!/bin/sh
# Once the server answers: create the namespace and fsto's search attributes (the columns and
# filters the Web UI shows for runs). Idempotent, so `docker compose up` may run it every time.
# FSTO_SEARCH_ATTRIBUTES lists Name=Type pairs (common/search-attributes.ts is the source).
set -eu
addr=${TEMPORAL_ADDRESS:?}
ns=${FSTO_NAMESPACE:-default}
retention=${FSTO_RETENTION:-30d}
t() { temporal "$@" --address "$addr"; }

tries=0
until t operator cluster health >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "init: Temporal at $addr is not healthy" >&2; exit 1; }
  sleep 2
done

t operator namespace describe --namespace "$ns" >/dev/null 2>&1 ||
  t operator namespace create --namespace "$ns" --retention "$retention"

# A new namespace reaches the server's namespace cache some seconds after it is created.
tries=0
until existing=$(t operator search-attribute list --namespace "$ns" 2>/dev/null); do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "init: namespace $ns never became usable" >&2; exit 1; }
  sleep 1
done
for pair in ${FSTO_SEARCH_ATTRIBUTES:?}; do
  name=${pair%%=*}
  type=${pair#*=}
  if printf '%s\n' "$existing" | grep -qw "$name"; then
    echo "init: search attribute $name exists"
  else
    t operator search-attribute create --namespace "$ns" --name "$name" --type "$type"
  fi
done
echo "init: namespace $ns ready"
