/**
 * Database backups on the VPS: a `dropit-pg-backup` script run by a systemd timer, and a
 * `dropit-pg-restore` script for a human. Tested against a real PostgreSQL in
 * tests/renderers/backup.test.ts, with the dump/restore commands pointed at it.
 *
 * Why this shape:
 * - pg_dump runs inside the running postgres task (`docker exec`), whose local socket uses the
 *   image's trust auth: no password exists on the host, on argv or in a file.
 * - Dumps land outside the database volume (/var/backups/dropit/postgres by default), so
 *   losing or replacing the volume does not take the backups with it.
 * - A dump is written to a hidden `.partial` file, checked (custom-format magic `PGDMP`), then
 *   renamed: a file named `*.dump` is always a complete dump.
 * - Retention keeps at most `keepCount` dumps and deletes dumps older than `keepDays`, but never
 *   the newest one: a timer that stopped for months must not wipe the last good backup.
 */
export const BACKUP_SCRIPT_PATH = "/usr/local/sbin/dropit-pg-backup";
export const RESTORE_SCRIPT_PATH = "/usr/local/sbin/dropit-pg-restore";
export const DEFAULT_BACKUP_DIR = "/var/backups/dropit/postgres";
export const DEFAULT_SCHEDULE = "*-*-* 03:15:00";
export const BACKUP_UNIT = "dropit-pg-backup";

/** Shell word: bare when it holds only safe characters (readable scripts), else single-quoted. */
function q(value: string | number): string {
    const text = String(value);
    return /^[A-Za-z0-9_.\/:=@%+,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;
const ABSOLUTE_PATH = /^\/[A-Za-z0-9._/-]+$/;
/** systemd calendar expressions: `daily`, `*-*-* 03:15:00`, `Mon..Fri 02:00`, `*:0/15`. */
const CALENDAR = /^[A-Za-z0-9*:,./ ~-]{1,64}$/;

function check(name: string, value: string, pattern: RegExp, what: string): string {
    if (!pattern.test(value) || (pattern === ABSOLUTE_PATH && value.includes(".."))) {
        throw new Error(`backup: ${name} ${JSON.stringify(value)} must be ${what}`);
    }
    return value;
}

function wholeNumber(name: string, value: number, min: number): number {
    if (!Number.isInteger(value) || value < min) throw new Error(`backup: ${name} must be a whole number >= ${min}, got ${value}`);
    return value;
}

/** Finds the running task container of a Swarm service on this node, or fails loudly. */
function containerLookup(service: string): string {
    return `container=$(docker ps --quiet --filter ${q(`label=com.docker.swarm.service.name=${service}`)} --filter status=running | head -n 1)
  if [ -z "$container" ]; then
    echo "no running container for service ${service} on this node" >&2
    return 1
  fi`;
}

export interface DatabaseTarget {
    database: string;
    user: string;
    /** Swarm service running PostgreSQL. Default `dropit-postgres`. */
    serviceName?: string;
}

export interface BackupScriptOptions extends DatabaseTarget {
    /** Outside the database volume. Default /var/backups/dropit/postgres. */
    backupDir?: string;
    /** Dumps kept at most. Default 14. */
    keepCount?: number;
    /** Dumps older than this are deleted (the newest is always kept). Default 30. */
    keepDays?: number;
    /**
     * Bash commands (a function body) that write a custom-format dump of the database to stdout.
     * Default: `docker exec` of pg_dump in the running task. Tests point it at a local server.
     */
    dumpCommand?: string;
}

function defaultDumpCommand(target: DatabaseTarget): string {
    const service = target.serviceName ?? "dropit-postgres";
    return `${containerLookup(service)}
  docker exec "$container" pg_dump --format=custom --username=${q(target.user)} --dbname=${q(target.database)}`;
}

function checkTarget(target: DatabaseTarget): void {
    check("database", target.database, IDENTIFIER, "a lowercase identifier");
    check("user", target.user, IDENTIFIER, "a lowercase identifier");
    if (target.serviceName !== undefined) check("serviceName", target.serviceName, SERVICE_NAME, "a Docker service name");
}

export function renderBackupScript(opts: BackupScriptOptions): string {
    checkTarget(opts);
    const dir = check("backupDir", opts.backupDir ?? DEFAULT_BACKUP_DIR, ABSOLUTE_PATH, "an absolute path without spaces or `..`");
    const keepCount = wholeNumber("keepCount", opts.keepCount ?? 14, 1);
    const keepDays = wholeNumber("keepDays", opts.keepDays ?? 30, 1);
    const dump = opts.dumpCommand ?? defaultDumpCommand(opts);
    return `#!/usr/bin/env bash
# dropit-pg-backup: rendered by dropit-infra (renderers/backup.ts). Do not edit on the host.
# Writes a pg_dump custom-format dump of ${opts.database} to ${dir}, then applies retention
# (at most ${keepCount} dumps, none older than ${keepDays} days, the newest always kept).
set -euo pipefail
umask 077

BACKUP_DIR=${q(dir)}
PREFIX=${q(opts.database)}
KEEP_COUNT=${keepCount}
KEEP_DAYS=${keepDays}

log() { echo "dropit-pg-backup: $*"; }
fail() { echo "dropit-pg-backup: ERROR: $*" >&2; exit 1; }

# Writes the dump to stdout.
dump_database() {
  ${dump.trim()}
}

mkdir -p "$BACKUP_DIR"
chmod 700 "$BACKUP_DIR"
cd "$BACKUP_DIR"

# One run at a time (a manual run during the timer's run would race on retention).
exec 9>"$BACKUP_DIR/.lock"
flock --nonblock 9 || fail "another backup is running"

# Leftovers of a crashed run are never backups.
find "$BACKUP_DIR" -maxdepth 1 -name '.*.partial' -type f -delete

stamp=$(date -u +%Y%m%dT%H%M%SZ)
final="$PREFIX-$stamp.dump"
partial=".$final.partial"
[ ! -e "$final" ] || fail "$BACKUP_DIR/$final already exists"
# Not \`dump_database || fail\`: bash ignores set -e inside a function called from a condition.
trap 'status=$?; rm -f "$BACKUP_DIR/$partial"; [ "$status" -eq 0 ] || echo "dropit-pg-backup: ERROR: backup failed (exit $status); no backup written" >&2' EXIT

dump_database > "$partial"
[ "$(head -c 5 "$partial")" = "PGDMP" ] || fail "the dump is not a pg_dump custom-format file; no backup written"
sync "$partial"
mv "$partial" "$final"
log "wrote $BACKUP_DIR/$final ($(stat -c %s "$final") bytes)"

# Retention: newest first by name (the UTC stamp sorts), always keep the newest.
mapfile -t dumps < <(find "$BACKUP_DIR" -maxdepth 1 -type f -name "$PREFIX-*.dump" -printf '%f\\n' | sort -r)
for i in "\${!dumps[@]}"; do
  [ "$i" -eq 0 ] && continue
  file="\${dumps[$i]}"
  if [ "$i" -ge "$KEEP_COUNT" ] || [ -n "$(find "$BACKUP_DIR/$file" -mtime +"$KEEP_DAYS")" ]; then
    rm -f -- "$BACKUP_DIR/$file"
    log "deleted $file (retention)"
  fi
done
`;
}

export interface RestoreScriptOptions extends DatabaseTarget {
    /** Swarm service of the API, stopped during the restore. Default `dropit-api`. */
    apiServiceName?: string;
    /** Bash commands that restore the custom-format dump read from stdin. Default: docker exec. */
    restoreCommand?: string;
    /** Bash commands that stop the API (default: scale to 0, remembering the replica count). */
    stopApiCommand?: string;
    /** Bash commands that start the API again (default: scale back). */
    startApiCommand?: string;
}

const PG_RESTORE_FLAGS = "--clean --if-exists --no-owner --single-transaction --exit-on-error";

function defaultRestoreCommand(target: DatabaseTarget): string {
    const service = target.serviceName ?? "dropit-postgres";
    return `${containerLookup(service)}
  docker exec -i "$container" pg_restore ${PG_RESTORE_FLAGS} --username=${q(target.user)} --dbname=${q(target.database)}`;
}

/** Exposed so the test can run the same pg_restore flags against a local server. */
export function pgRestoreFlags(): string {
    return PG_RESTORE_FLAGS;
}

export function renderRestoreScript(opts: RestoreScriptOptions): string {
    checkTarget(opts);
    const api = check("apiServiceName", opts.apiServiceName ?? "dropit-api", SERVICE_NAME, "a Docker service name");
    const restore = opts.restoreCommand ?? defaultRestoreCommand(opts);
    const stopApi =
        opts.stopApiCommand ??
        `if docker service inspect ${q(api)} >/dev/null 2>&1; then
    API_REPLICAS=$(docker service inspect --format '{{.Spec.Mode.Replicated.Replicas}}' ${q(api)})
    docker service scale --detach=false ${q(`${api}=0`)} >/dev/null
  fi`;
    const startApi =
        opts.startApiCommand ??
        `if [ -n "\${API_REPLICAS:-}" ]; then
    docker service scale --detach=false "${api}=$API_REPLICAS" >/dev/null
  fi`;
    return `#!/usr/bin/env bash
# dropit-pg-restore: rendered by dropit-infra (renderers/backup.ts). Do not edit on the host.
#
#   dropit-pg-restore /var/backups/dropit/postgres/${opts.database}-YYYYmmddTHHMMSSZ.dump --yes
#
# Replaces the contents of database ${opts.database} with the dump, in one transaction
# (pg_restore ${PG_RESTORE_FLAGS}): on any error nothing changes. The API (${api}) is stopped
# first (docker service scale ${api}=0) so nothing writes during the restore, and is scaled back
# to its previous replica count afterwards, even when the restore fails.
set -euo pipefail

log() { echo "dropit-pg-restore: $*"; }
fail() { echo "dropit-pg-restore: ERROR: $*" >&2; exit 1; }

API_REPLICAS=""
stop_api() {
  ${stopApi.trim()}
}
start_api() {
  ${startApi.trim()}
}
# Reads the dump on stdin.
restore_database() {
  ${restore.trim()}
}

[ "$#" -eq 2 ] && [ "$2" = "--yes" ] || fail "usage: $(basename "$0") DUMP_FILE --yes (replaces database ${opts.database})"
dump_file=$1
[ -f "$dump_file" ] || fail "$dump_file: no such file"
[ "$(head -c 5 "$dump_file")" = "PGDMP" ] || fail "$dump_file is not a pg_dump custom-format file"

log "stopping ${api}"
stop_api
trap 'status=$?; [ "$status" -eq 0 ] || echo "dropit-pg-restore: ERROR: restore failed (exit $status); the database is unchanged" >&2; log "starting ${api} again"; start_api' EXIT
restore_database < "$dump_file"
log "restored ${opts.database} from $dump_file"
`;
}

export interface BackupUnitOptions {
    /** systemd OnCalendar expression. Default daily at 03:15 (server time). */
    schedule?: string;
    scriptPath?: string;
}

/** A oneshot service and its timer: `systemctl enable --now dropit-pg-backup.timer`. */
export function renderBackupUnits(opts: BackupUnitOptions = {}): { service: string; timer: string } {
    const schedule = check("schedule", opts.schedule ?? DEFAULT_SCHEDULE, CALENDAR, "a systemd OnCalendar expression such as *-*-* 03:15:00");
    const script = check("scriptPath", opts.scriptPath ?? BACKUP_SCRIPT_PATH, ABSOLUTE_PATH, "an absolute path");
    const service = `# Rendered by dropit-infra (renderers/backup.ts).
[Unit]
Description=DropIt PostgreSQL backup (pg_dump to ${DEFAULT_BACKUP_DIR})
Requires=docker.service
After=docker.service

[Service]
Type=oneshot
ExecStart=${script}
# A backup must not starve the API of CPU or disk.
Nice=10
IOSchedulingClass=idle
`;
    const timer = `# Rendered by dropit-infra (renderers/backup.ts).
[Unit]
Description=Daily DropIt PostgreSQL backup

[Timer]
OnCalendar=${schedule}
# Runs at boot if the machine was off at the scheduled time.
Persistent=true
AccuracySec=1min

[Install]
WantedBy=timers.target
`;
    return { service, timer };
}
