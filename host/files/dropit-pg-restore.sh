#!/usr/bin/env bash
# /usr/local/sbin/dropit-pg-restore, installed by dropit-infra (host/files/dropit-pg-restore.sh).
# Do not edit on the host. Its parameters are in /etc/dropit/pg-backup.env:
#   DATABASE, DB_USER, POSTGRES_SERVICE, API_SERVICE
#
#   dropit-pg-restore /var/backups/dropit/postgres/<database>-YYYYmmddTHHMMSSZ.dump --yes
#
# Replaces the contents of DATABASE with the dump, in one transaction (pg_restore --clean
# --if-exists --no-owner --single-transaction --exit-on-error): on any error nothing changes.
# The API (API_SERVICE) is stopped first (docker service scale <api>=0) so nothing writes during
# the restore, and is scaled back to its previous replica count afterwards, even on failure.
set -euo pipefail

log() { echo "dropit-pg-restore: $*"; }
fail() { echo "dropit-pg-restore: ERROR: $*" >&2; exit 1; }

env_file=${DROPIT_PG_BACKUP_ENV:-/etc/dropit/pg-backup.env}
[ -r "$env_file" ] || fail "$env_file is missing (re-run pulumi up)"
# shellcheck source=/dev/null
. "$env_file"
: "${DATABASE:?}" "${DB_USER:?}" "${POSTGRES_SERVICE:?}" "${API_SERVICE:?}"

API_REPLICAS=""
stop_api() {
  if docker service inspect "$API_SERVICE" >/dev/null 2>&1; then
    API_REPLICAS=$(docker service inspect --format "{{.Spec.Mode.Replicated.Replicas}}" "$API_SERVICE")
    docker service scale --detach=false "$API_SERVICE=0" >/dev/null
  fi
}
start_api() {
  if [ -n "$API_REPLICAS" ]; then
    docker service scale --detach=false "$API_SERVICE=$API_REPLICAS" >/dev/null
  fi
}
# Reads the dump on stdin and restores it in the running task of the PostgreSQL service.
restore_database() {
  local container
  container=$(docker ps --quiet --filter "label=com.docker.swarm.service.name=$POSTGRES_SERVICE" --filter status=running | head -n 1)
  if [ -z "$container" ]; then
    echo "no running container for service $POSTGRES_SERVICE on this node" >&2
    return 1
  fi
  docker exec -i "$container" pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error \
    --username="$DB_USER" --dbname="$DATABASE"
}

[ "$#" -eq 2 ] && [ "$2" = "--yes" ] || fail "usage: $(basename "$0") DUMP_FILE --yes (replaces database $DATABASE)"
dump_file=$1
[ -f "$dump_file" ] || fail "$dump_file: no such file"
[ "$(head -c 5 "$dump_file")" = "PGDMP" ] || fail "$dump_file is not a pg_dump custom-format file"

log "stopping $API_SERVICE"
stop_api
on_exit() {
  local status=$?
  [ "$status" -eq 0 ] || echo "dropit-pg-restore: ERROR: restore failed (exit $status); the database is unchanged" >&2
  log "starting $API_SERVICE again"
  start_api
}
trap on_exit EXIT
restore_database <"$dump_file"
log "restored $DATABASE from $dump_file"
