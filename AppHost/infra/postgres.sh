#!/usr/bin/env bash
# A private PostgreSQL cluster run as a foreground child of the AppHost (no Docker).
# Env: PGPORT (from the AppHost endpoint), BIFROST_PG_DIR (data folder), BIFROST_PG_PASSWORD,
#      BIFROST_EPHEMERAL=1 to delete the folder on stop.
set -euo pipefail
: "${PGPORT:?}" "${BIFROST_PG_DIR:?}" "${BIFROST_PG_PASSWORD:?}"

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/postgres" ] || { echo "PostgreSQL binaries not found: apt-get install -y postgresql" >&2; exit 1; }

# postgres and initdb refuse to run as root: run them as the postgres user (setpriv execs, so PIDs are kept).
as_pg=()
[ "$(id -u)" = 0 ] && as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --)

mkdir -p "$BIFROST_PG_DIR"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$BIFROST_PG_DIR"
data="$BIFROST_PG_DIR/data"
if [ ! -s "$data/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s' "$BIFROST_PG_PASSWORD" > "$pwfile"
  [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
  "${as_pg[@]}" "$bin/initdb" -D "$data" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
else
  # Keep an existing cluster's password in step with the configured one.
  "${as_pg[@]}" "$bin/postgres" --single -D "$data" postgres <<<"ALTER USER postgres PASSWORD '${BIFROST_PG_PASSWORD//\'/\'\'}';" >/dev/null
fi

"${as_pg[@]}" "$bin/postgres" -D "$data" -p "$PGPORT" -k "$BIFROST_PG_DIR" \
  -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB \
  -c "fsync=${BIFROST_PG_FSYNC:-on}" -c "synchronous_commit=${BIFROST_PG_SYNCHRONOUS_COMMIT:-on}" &
pid=$!

stop() {
  # SIGTERM is PostgreSQL's smart shutdown (waits for pooled clients); SIGINT is the fast one.
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ "${BIFROST_EPHEMERAL:-0}" = 1 ] && rm -rf "$BIFROST_PG_DIR"
  exit 0
}
trap stop TERM INT
wait "$pid"
