/**
 * Database backups on the VPS: the `dropit-pg-backup` command run by a systemd timer, and
 * `dropit-pg-restore` for a human. Both are static files (host/files/dropit-pg-*.sh, tested
 * against a real PostgreSQL in tests/renderers/backup.test.ts); their parameters live in
 * /etc/dropit/pg-backup.env, written here with the one quoting function, and the timer's
 * schedule in a drop-in. Why this shape: see the scripts' headers.
 */
import { API_SERVICE, POSTGRES_SERVICE } from "../config/names";
import { BACKUP_KEEP_COUNT, BACKUP_KEEP_DAYS, Bounds, SYSTEMD_CALENDAR, withinBounds } from "../config/rules";
import { hostFile, shellAssignments } from "./shellParams";

export const BACKUP_SCRIPT_PATH = "/usr/local/sbin/dropit-pg-backup";
export const RESTORE_SCRIPT_PATH = "/usr/local/sbin/dropit-pg-restore";
export const BACKUP_ENV_PATH = "/etc/dropit/pg-backup.env";
export const BACKUP_UNIT = "dropit-pg-backup";

const PG_RESTORE_FLAGS = "--clean --if-exists --no-owner --single-transaction --exit-on-error";

/** The pg_restore flags of host/files/dropit-pg-restore.sh (the test runs the same against a local server). */
export function pgRestoreFlags(): string {
    return PG_RESTORE_FLAGS;
}

/** Values as the schema resolved them (dropit:postgres.backups); no defaults here. */
export interface BackupParameters {
    database: string;
    user: string;
    /** Outside the database volume. */
    backupDir: string;
    /** Dumps kept at most. */
    keepCount: number;
    /** Dumps older than this are deleted (the newest is always kept). */
    keepDays: number;
    /** Swarm service running PostgreSQL. Default config/names.ts POSTGRES_SERVICE. */
    serviceName?: string;
    /** Swarm service of the API, stopped during a restore. Default config/names.ts API_SERVICE. */
    apiServiceName?: string;
}

function wholeNumber(name: string, value: number, bounds: Bounds): number {
    if (!withinBounds(value, bounds))
        throw new Error(`backup: ${name} must be a whole number from ${bounds.min} to ${bounds.max}, got ${value}`);
    return value;
}

/** /etc/dropit/pg-backup.env, read by both commands. */
export function renderBackupEnv(parameters: BackupParameters): string {
    return `# Written by dropit-infra: the parameters of ${BACKUP_SCRIPT_PATH} and ${RESTORE_SCRIPT_PATH}.\n${shellAssignments({
        DATABASE: parameters.database,
        DB_USER: parameters.user,
        POSTGRES_SERVICE: parameters.serviceName ?? POSTGRES_SERVICE,
        API_SERVICE: parameters.apiServiceName ?? API_SERVICE,
        BACKUP_DIR: parameters.backupDir,
        KEEP_COUNT: wholeNumber("keepCount", parameters.keepCount, BACKUP_KEEP_COUNT),
        KEEP_DAYS: wholeNumber("keepDays", parameters.keepDays, BACKUP_KEEP_DAYS),
    })}\n`;
}

/** The static files installed on the VPS, by content. */
export function backupFiles(): { backup: string; restore: string; service: string; timer: string } {
    return {
        backup: hostFile("files/dropit-pg-backup.sh"),
        restore: hostFile("files/dropit-pg-restore.sh"),
        service: hostFile("files/dropit-pg-backup.service"),
        timer: hostFile("files/dropit-pg-backup.timer"),
    };
}

/** The timer's drop-in: `OnCalendar=` resets the default, then the configured schedule. */
export function renderBackupSchedule(schedule: string, key = "dropit:postgres.backups.schedule"): string {
    if (!SYSTEMD_CALENDAR.test(schedule)) {
        throw new Error(`backup: schedule ${JSON.stringify(schedule)} must be a systemd OnCalendar expression such as *-*-* 03:15:00`);
    }
    return `# Written by dropit-infra (${key}).\n[Timer]\nOnCalendar=\nOnCalendar=${schedule}\n`;
}
