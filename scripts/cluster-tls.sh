#!/usr/bin/env bash
# Part of scripts/cluster.sh: the cluster's mutual TLS. A CA made for this cluster (its key never
# leaves $RUN_DIR/tls, 0700), a server certificate for the frontend and the services between
# themselves, and one client certificate for workers, the fsto CLI, the Web UI server and
# `temporal operator`. The server requires a certificate of this CA from every client
# (requireClientAuth), so who may start work is who was given client.pem and client.key.
# Made once; kept across restarts. Sourced, not run.
#
# FSTO_CLUSTER_TLS_NAMES: extra names and addresses of the frontend in the server certificate
# (comma-separated; e.g. the host's DNS name for workers on other machines). Always there:
# localhost, 127.0.0.1, this host's name and FSTO_CLUSTER_BIND_IP when it is an address.

TLS_DIR=$RUN_DIR/tls

tls_sans() {
  local names=localhost,127.0.0.1,$(hostname)
  case ${FSTO_CLUSTER_BIND_IP:-} in '' | 0.0.0.0 | 127.0.0.1) ;; *) names=$names,$FSTO_CLUSTER_BIND_IP ;; esac
  [ -n "${FSTO_CLUSTER_TLS_NAMES:-}" ] && names=$names,$FSTO_CLUSTER_TLS_NAMES
  local out='' n
  for n in ${names//,/ }; do
    if [[ $n =~ ^[0-9.]+$ || $n == *:* ]]; then out+=${out:+,}IP:$n; else out+=${out:+,}DNS:$n; fi
  done
  echo "$out"
}

# A key and a certificate signed by the CA: sign <name> <subject CN> <extKeyUsage> [subjectAltName]
sign() {
  local name=$1 cn=$2 usage=$3 san=${4:-}
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$cn" \
    -keyout "$TLS_DIR/$name.key" -out "$TLS_DIR/$name.csr" 2>/dev/null || die "openssl: $name key"
  openssl x509 -req -in "$TLS_DIR/$name.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca.key" \
    -CAcreateserial -days 825 -out "$TLS_DIR/$name.pem" \
    -extfile <(printf 'extendedKeyUsage=%s\n%s' "$usage" "${san:+subjectAltName=$san}") 2>/dev/null ||
    die "openssl: $name certificate"
  rm -f "$TLS_DIR/$name.csr"
}

make_tls() {
  command -v openssl >/dev/null || die "openssl missing: apt-get install openssl"
  (umask 077 && mkdir -p "$TLS_DIR")
  chmod 700 "$TLS_DIR"
  if [ ! -s "$TLS_DIR/ca.pem" ]; then
    (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -subj "/CN=fsto cluster CA $(hostname)" -keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.pem" 2>/dev/null) ||
      die "openssl: the CA"
    rm -f "$TLS_DIR/server.pem" "$TLS_DIR/client.pem"
    say "TLS: a CA made for this cluster ($TLS_DIR/ca.pem)"
  fi
  local sans
  sans=$(tls_sans)
  # A server certificate made for other names is made anew (its names are in a file beside it).
  if [ ! -s "$TLS_DIR/server.pem" ] || [ "$(cat "$TLS_DIR/server.names" 2>/dev/null)" != "$sans" ]; then
    (umask 077 && sign server fsto-temporal serverAuth,clientAuth "$sans")
    echo "$sans" >"$TLS_DIR/server.names"
    say "TLS: server certificate for $sans"
  fi
  if [ ! -s "$TLS_DIR/client.pem" ]; then
    (umask 077 && sign client fsto-client clientAuth)
    say "TLS: client certificate $TLS_DIR/client.pem (with client.key: whoever holds both may start work)"
  fi
}
