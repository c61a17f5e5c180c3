#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the tests of the PostgreSQL history store: a new
# cluster in a temporary directory, listening on a free port of 127.0.0.1 only, with TLS
# (a certificate authority made for it, so that the tests can verify the server) and a
# random password for its one user, `encguard` (SCRAM, given to clients as PGPASSWORD).
# `initdb` refuses root: as root, the cluster is made and run as `nobody`.
# Usage: source scripts/postgres.sh   (exports ENCGUARD_POSTGRES_URL, ENCGUARD_POSTGRES_CA
#        and PGPASSWORD; call stop_postgres when done — scripts/test.sh does, on exit)

postgres_bin() {
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return
  fi
  # Debian keeps each version's programs off PATH; the newest installed is taken.
  local found="" dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && found="$dir"
  done
  echo "$found"
}

start_postgres() {
  local bin
  bin="$(postgres_bin)"
  if [ -z "$bin" ] && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin="$(postgres_bin)"
  fi
  if [ -z "$bin" ]; then
    echo "PostgreSQL is missing and this is not root: the PostgreSQL store will not be tested (it is under CI)"
    return 0
  fi
  local as=()
  [ "$(id -u)" = 0 ] && as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  ENCGUARD_POSTGRES_DIR="$(mktemp -d /tmp/encguard-postgres.XXXXXX)"
  local dir="$ENCGUARD_POSTGRES_DIR"
  (
    cd "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
      -keyout ca.key -out ca.pem -subj /CN=encguard-test-ca 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile server.ext -out server.pem 2>/dev/null
    chmod 600 server.key
    openssl rand -hex 16 >password
  )
  [ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$dir"
  local port
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U encguard -A scram-sha-256 --pwfile="$dir/password" --no-sync \
    >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log"; return 1; }
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start -o \
    "-p $port -k $dir -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=$dir/server.pem -c ssl_key_file=$dir/server.key -c fsync=off" \
    >/dev/null || { cat "$dir/server.log"; return 1; }
  export ENCGUARD_POSTGRES_URL="postgres://encguard@127.0.0.1:$port"
  export ENCGUARD_POSTGRES_CA="$dir/ca.pem"
  PGPASSWORD="$(cat "$dir/password")"
  export PGPASSWORD
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

stop_postgres() {
  [ -n "${ENCGUARD_POSTGRES_DIR:-}" ] || return 0
  local as=()
  [ "$(id -u)" = 0 ] && as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  "${as[@]}" "$(postgres_bin)/pg_ctl" -D "$ENCGUARD_POSTGRES_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$ENCGUARD_POSTGRES_DIR"
}
