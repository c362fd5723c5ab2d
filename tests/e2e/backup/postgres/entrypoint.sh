#!/bin/bash
# The official postgres image's entrypoint, reduced to what the program relies on: on an empty
# PGDATA, initdb with POSTGRES_USER and POSTGRES_PASSWORD (trust on the local socket, scram over
# TCP), POSTGRES_DB created, /docker-entrypoint-initdb.d/*.sql run; then `postgres ARGS`.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
[ "${1:-}" = postgres ] && shift
: "${PGDATA:?}" "${POSTGRES_USER:?}" "${POSTGRES_PASSWORD:?}" "${POSTGRES_DB:=$POSTGRES_USER}"
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
run() { su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s' "$POSTGRES_PASSWORD" >"$pwfile"
  chown postgres "$pwfile"
  run "$bin/initdb" -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  run "$bin/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  [ "$POSTGRES_DB" = postgres ] || run "$bin/psql" -X -q -U "$POSTGRES_USER" -d postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
  for file in /docker-entrypoint-initdb.d/*.sql; do
    [ -e "$file" ] || continue
    run "$bin/psql" -X -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -f "$file"
  done
  run "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec su postgres -s /bin/bash -c "exec $bin/postgres -D $(printf '%q' "$PGDATA") -c listen_addresses='*' $(printf '%q ' "$@")"
