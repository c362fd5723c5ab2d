#!/usr/bin/env bash
# /usr/local/sbin/dropit-pg-offsite, installed by dropit-infra (host/files/dropit-pg-offsite.sh).
# Do not edit on the host. restic between the local dumps and the offsite repository:
#   dropit-pg-offsite init                    creates the repository unless it exists
#   dropit-pg-offsite backup [DUMP]           uploads DUMP (default: the newest local dump)
#   dropit-pg-offsite forget                  retention (forget --prune); refused when append-only
#   dropit-pg-offsite check                   restic check, reading CHECK_SUBSET of the data
#   dropit-pg-offsite snapshots               lists the snapshots
#   dropit-pg-offsite newest-age              seconds since the newest snapshot
#   dropit-pg-offsite restore SNAPSHOT --yes  restores SNAPSHOT (latest or an id) into the empty database
# Parameters: /etc/dropit/pg-backup.env (DATABASE, DB_USER, POSTGRES_SERVICE, BACKUP_DIR),
# /etc/dropit/pg-offsite.env (KEEP_LAST, KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY, APPEND_ONLY, CHECK_SUBSET,
# TIMEOUT_SECONDS, SFTP_COMMAND) and /etc/dropit/pg-offsite.secrets (mode 0600: RESTIC_REPOSITORY,
# RESTIC_PASSWORD, the backend's credentials), exported to restic's environment, never on argv.
# - What goes offsite is the local dump as plain SQL (pg_restore --file=- in the PostgreSQL task),
#   stored as /<DATABASE>.sql: the custom format is compressed per table, so a few new rows
#   change most of restic's ~1 MiB chunks, while plain SQL changes only around the new rows and
#   restic compresses it itself. The conversion also proves the local dump is readable, and
#   the SQL is checked for pg_dump's closing line before upload: a truncated file never becomes
#   a snapshot. Snapshots carry the tags dropit and db-<DATABASE>, and the host name dropit (a
#   new VPS finds the old one's snapshots).
# - Each restic call is bounded by TIMEOUT_SECONDS: restic retries an unreachable backend for
#   many minutes, and a backup that never ends raises no alarm.
set -euo pipefail
umask 077

log() { echo "dropit-pg-offsite: $*"; }
fail() { echo "dropit-pg-offsite: ERROR: $*" >&2; exit 1; }

backup_env=${DROPIT_PG_BACKUP_ENV:-/etc/dropit/pg-backup.env}
offsite_env=${DROPIT_PG_OFFSITE_ENV:-/etc/dropit/pg-offsite.env}
secrets=${DROPIT_PG_OFFSITE_SECRETS:-/etc/dropit/pg-offsite.secrets}
for file in "$backup_env" "$offsite_env" "$secrets"; do
  [ -r "$file" ] || fail "$file is missing (re-run pulumi up)"
done
# shellcheck source=/dev/null
. "$backup_env"
# shellcheck source=/dev/null
. "$offsite_env"
set -a
# shellcheck source=/dev/null
. "$secrets"
set +a
unset PING_URL SFTP_PRIVATE_KEY
: "${DATABASE:?}" "${DB_USER:?}" "${POSTGRES_SERVICE:?}" "${BACKUP_DIR:?}"
: "${KEEP_LAST:?}" "${KEEP_DAILY:?}" "${KEEP_WEEKLY:?}" "${KEEP_MONTHLY:?}" "${APPEND_ONLY:?}" "${CHECK_SUBSET:?}" "${TIMEOUT_SECONDS:?}"
: "${RESTIC_REPOSITORY:?}" "${RESTIC_PASSWORD:?}"
export RESTIC_CACHE_DIR=${RESTIC_CACHE_DIR:-/var/cache/dropit-restic}
SNAPSHOT_HOST=dropit
SQL_PATH="/$DATABASE.sql"
SQL_HEAD="-- PostgreSQL database dump"
SQL_TAIL="-- PostgreSQL database dump complete"

restic_options=()
[ -z "${SFTP_COMMAND:-}" ] || restic_options+=(-o "sftp.command=$SFTP_COMMAND")
r() {
  timeout --kill-after=30 "$TIMEOUT_SECONDS" restic "${restic_options[@]}" "$@"
}

# A plain SQL script as pg_dump/pg_restore write it, down to its closing comment (current
# releases add a `\restrict` line before the header and `\unrestrict` after the end).
complete_sql() {
  head -n 4 "$1" | grep -qx -- "$SQL_HEAD" && tail -n 8 "$1" | grep -qx -- "$SQL_TAIL"
}

newest_local_dump() {
  find "$BACKUP_DIR" -maxdepth 1 -type f -name "$DATABASE-*.dump" -printf "%f\n" | sort -r | head -n 1
}

cmd_init() {
  local error
  if error=$(r cat config 2>&1 >/dev/null); then
    log "repository ready"
    return
  fi
  # Only a repository that is missing is created: any other error (unreachable, wrong password)
  # must not lead to a second repository.
  if printf '%s\n' "$error" | grep -q "Is there a repository at the following location"; then
    r init
    log "repository created"
  else
    printf '%s\n' "$error" >&2
    fail "cannot open the offsite repository (see above); nothing was changed"
  fi
}

cmd_backup() {
  local dump=${1:-}
  if [ -z "$dump" ]; then
    dump=$(newest_local_dump)
    [ -n "$dump" ] || fail "no dump in $BACKUP_DIR to upload"
    dump="$BACKUP_DIR/$dump"
  fi
  [ -f "$dump" ] || fail "$dump: no such file"
  [ "$(head -c 5 "$dump")" = "PGDMP" ] || fail "$dump is not a pg_dump custom-format file"
  local container
  # Global: the EXIT trap runs after this function has returned.
  sql="$BACKUP_DIR/.offsite.sql.partial"
  container=$(postgres_container)
  [ -n "$container" ] || fail "no running container for service $POSTGRES_SERVICE on this node (pg_restore converts the dump)"
  trap 'rm -f "$sql"' EXIT
  # Without the `\restrict KEY` / `\unrestrict KEY` lines current releases wrap the script in: the
  # key is random on every run and would make the first and last chunks new each night. The
  # restore wraps the script in a fresh random key of its own (same protection: no dumped data
  # can know it).
  docker exec -i "$container" pg_restore --no-owner --file=- <"$dump" | sed -e '0,/^\\restrict /{/^\\restrict /d}' -e '/^\\unrestrict /d' >"$sql"
  complete_sql "$sql" || fail "$dump did not convert to a complete SQL script; nothing uploaded"
  local output summary
  output=$(r backup --json --host "$SNAPSHOT_HOST" --tag dropit --tag "db-$DATABASE" --stdin --stdin-filename "$DATABASE.sql" <"$sql")
  summary=$(printf '%s\n' "$output" | grep '"message_type":"summary"' | tail -n 1)
  [ -n "$summary" ] || fail "restic printed no summary for $dump"
  local id added
  id=$(printf '%s\n' "$summary" | sed -n 's/.*"snapshot_id":"\([0-9a-f]*\)".*/\1/p')
  added=$(printf '%s\n' "$summary" | sed -n 's/.*"data_added":\([0-9]*\).*/\1/p')
  log "uploaded $(basename "$dump") ($(stat -c %s "$sql") bytes of SQL) as snapshot ${id:0:8}: ${added:-0} bytes new in the repository"
}

cmd_forget() {
  [ "$APPEND_ONLY" = 0 ] || fail "the repository is append-only for this VPS: run retention from a machine with the full credential (docs/backups.md)"
  r forget --host "$SNAPSHOT_HOST" --tag "dropit,db-$DATABASE" --keep-daily "$KEEP_DAILY" --keep-weekly "$KEEP_WEEKLY" \
    --keep-monthly "$KEEP_MONTHLY" --keep-last "$KEEP_LAST" --prune
}

cmd_check() {
  r check --read-data-subset="$CHECK_SUBSET"
}

newest_snapshot_time() {
  r --no-lock snapshots --json --tag "dropit,db-$DATABASE" --latest 1 | grep -o '"time":"[^"]*"' | cut -d'"' -f4 | sort | tail -n 1
}

cmd_newest_age() {
  local newest
  newest=$(newest_snapshot_time)
  [ -n "$newest" ] || fail "the offsite repository holds no snapshot of $DATABASE"
  echo $(($(date +%s) - $(date -d "$newest" +%s)))
}

postgres_container() {
  docker ps --quiet --filter "label=com.docker.swarm.service.name=$POSTGRES_SERVICE" --filter status=running | head -n 1
}

# Waits (bounded) for the PostgreSQL task to accept connections; prints its container.
wait_for_postgres() {
  local container="" i
  for i in $(seq 1 60); do
    container=$(postgres_container)
    if [ -n "$container" ] && docker exec "$container" pg_isready -q -U "$DB_USER" -d "$DATABASE" 2>/dev/null; then
      echo "$container"
      return 0
    fi
    [ "$i" -eq 60 ] || sleep 2
  done
  fail "the $POSTGRES_SERVICE task did not accept connections within 120 s"
}

cmd_restore() {
  [ "$#" -eq 2 ] && [ "$2" = "--yes" ] || fail "usage: dropit-pg-offsite restore SNAPSHOT --yes (restores into database $DATABASE, which must be empty)"
  local snapshot=$1 container objects
  case "$snapshot" in latest | [0-9a-f]*) ;; *) fail "SNAPSHOT must be latest or a snapshot id" ;; esac
  container=$(wait_for_postgres)
  objects=$(docker exec "$container" psql -X -q -t -A -U "$DB_USER" -d "$DATABASE" -c \
    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p','S','v','m','f') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'")
  if [ "$objects" != 0 ]; then
    fail "database $DATABASE is not empty ($objects tables, sequences or views): refusing to overwrite it with snapshot $snapshot. To replace its contents, use dropit-pg-restore with a dump file; to keep it, remove dropit:postgres.backups.restoreFrom"
  fi
  mkdir -p "$BACKUP_DIR"
  chmod 700 "$BACKUP_DIR"
  partial="$BACKUP_DIR/.offsite-restore.partial"
  trap 'rm -f "$partial"' EXIT
  log "downloading $SQL_PATH of snapshot $snapshot"
  r dump --host "$SNAPSHOT_HOST" --tag "dropit,db-$DATABASE" "$snapshot" "$SQL_PATH" >"$partial"
  complete_sql "$partial" || fail "snapshot $snapshot does not hold a complete SQL dump of $DATABASE"
  log "restoring $(stat -c %s "$partial") bytes of SQL into $DATABASE (one transaction)"
  local key
  key=$(head -c 32 /dev/urandom | sha256sum | cut -c1-40)
  # psql releases without \restrict refuse it: probe with a throwaway key (the real one never
  # reaches argv), in a session of its own.
  if docker exec "$container" psql -X -q -U "$DB_USER" -d "$DATABASE" -c '\restrict probe' -c '\unrestrict probe' >/dev/null 2>&1; then
    { printf '\\restrict %s\n' "$key"; cat "$partial"; printf '\\unrestrict %s\n' "$key"; }
  else
    cat "$partial"
  fi | docker exec -i "$container" psql -X -q -v ON_ERROR_STOP=1 --single-transaction \
    --username="$DB_USER" --dbname="$DATABASE" >/dev/null
  log "restored $DATABASE from offsite snapshot $snapshot"
}

command=${1:-}
[ "$#" -eq 0 ] || shift
case "$command" in
  init) cmd_init ;;
  backup) cmd_backup "$@" ;;
  forget) cmd_forget ;;
  check) cmd_check ;;
  snapshots) r --no-lock snapshots --tag "dropit,db-$DATABASE" ;;
  newest-age) cmd_newest_age ;;
  restore) cmd_restore "$@" ;;
  *) fail "usage: dropit-pg-offsite init|backup [DUMP]|forget|check|snapshots|newest-age|restore SNAPSHOT --yes" ;;
esac
