#!/usr/bin/env bash
# /usr/local/sbin/dropit-pg-backup, installed by dropit-infra (host/files/dropit-pg-backup.sh).
# Do not edit on the host. Its parameters are in /etc/dropit/pg-backup.env:
#   DATABASE, DB_USER, POSTGRES_SERVICE, BACKUP_DIR, KEEP_COUNT, KEEP_DAYS
# Writes a pg_dump custom-format dump of DATABASE to BACKUP_DIR, then applies retention (at
# most KEEP_COUNT dumps, none older than KEEP_DAYS days, the newest always kept).
# - pg_dump runs inside the running postgres task (docker exec), whose local socket uses the
#   image trust auth: no credential exists on the host, on argv or in a file.
# - A dump is written to a hidden .partial file, checked (custom-format magic PGDMP), then
#   renamed: a file named *.dump is always a complete dump.
set -euo pipefail
umask 077

log() { echo "dropit-pg-backup: $*"; }
fail() { echo "dropit-pg-backup: ERROR: $*" >&2; exit 1; }

env_file=${DROPIT_PG_BACKUP_ENV:-/etc/dropit/pg-backup.env}
[ -r "$env_file" ] || fail "$env_file is missing (re-run pulumi up)"
# shellcheck source=/dev/null
. "$env_file"
: "${DATABASE:?}" "${DB_USER:?}" "${POSTGRES_SERVICE:?}" "${BACKUP_DIR:?}" "${KEEP_COUNT:?}" "${KEEP_DAYS:?}"
case "$KEEP_COUNT$KEEP_DAYS" in *[!0-9]*) fail "KEEP_COUNT and KEEP_DAYS must be whole numbers" ;; esac
PREFIX=$DATABASE

# Writes the dump to stdout, from the running task of the PostgreSQL service on this node.
dump_database() {
  local container
  container=$(docker ps --quiet --filter "label=com.docker.swarm.service.name=$POSTGRES_SERVICE" --filter status=running | head -n 1)
  if [ -z "$container" ]; then
    echo "no running container for service $POSTGRES_SERVICE on this node" >&2
    return 1
  fi
  docker exec "$container" pg_dump --format=custom --username="$DB_USER" --dbname="$DATABASE"
}

mkdir -p "$BACKUP_DIR"
chmod 700 "$BACKUP_DIR"
cd "$BACKUP_DIR"

# One run at a time (a manual run during a timer run would race on retention).
exec 9>"$BACKUP_DIR/.lock"
flock --nonblock 9 || fail "another backup is running"

# Leftovers of a crashed run are never backups.
find "$BACKUP_DIR" -maxdepth 1 -name ".*.partial" -type f -delete

stamp=$(date -u +%Y%m%dT%H%M%SZ)
final="$PREFIX-$stamp.dump"
partial=".$final.partial"
[ ! -e "$final" ] || fail "$BACKUP_DIR/$final already exists"
# Not `dump_database || fail`: bash ignores set -e inside a function called from a condition.
on_exit() {
  local status=$?
  rm -f "$BACKUP_DIR/$partial"
  [ "$status" -eq 0 ] || echo "dropit-pg-backup: ERROR: backup failed (exit $status); no backup written" >&2
}
trap on_exit EXIT

dump_database >"$partial"
[ "$(head -c 5 "$partial")" = "PGDMP" ] || fail "the dump is not a pg_dump custom-format file; no backup written"
sync "$partial"
mv "$partial" "$final"
log "wrote $BACKUP_DIR/$final ($(stat -c %s "$final") bytes)"

# Retention: newest first by name (the UTC stamp sorts), always keep the newest.
mapfile -t dumps < <(find "$BACKUP_DIR" -maxdepth 1 -type f -name "$PREFIX-*.dump" -printf "%f\n" | sort -r)
for i in "${!dumps[@]}"; do
  [ "$i" -eq 0 ] && continue
  file="${dumps[$i]}"
  if [ "$i" -ge "$KEEP_COUNT" ] || [ -n "$(find "$BACKUP_DIR/$file" -mtime +"$KEEP_DAYS")" ]; then
    rm -f -- "$BACKUP_DIR/$file"
    log "deleted $file (retention)"
  fi
done
