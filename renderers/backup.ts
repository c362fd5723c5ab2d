/**
 * Database backups on the VPS: the `dropit-pg-backup` command run by a systemd timer, and
 * `dropit-pg-restore` for a human. Both are static files (host/files/dropit-pg-*.sh, tested
 * against a real PostgreSQL in tests/renderers/backup.test.ts); their parameters live in
 * /etc/dropit/pg-backup.env, written here with the one quoting function, and the timer's
 * schedule in a drop-in. Why this shape: see the scripts' headers.
 */
import { hostFile, shellAssignments } from "./shellParams";

export const BACKUP_SCRIPT_PATH = "/usr/local/sbin/dropit-pg-backup";
export const RESTORE_SCRIPT_PATH = "/usr/local/sbin/dropit-pg-restore";
export const BACKUP_ENV_PATH = "/etc/dropit/pg-backup.env";
export const DEFAULT_BACKUP_DIR = "/var/backups/dropit/postgres";
export const DEFAULT_SCHEDULE = "*-*-* 03:15:00";
export const BACKUP_UNIT = "dropit-pg-backup";

const PG_RESTORE_FLAGS = "--clean --if-exists --no-owner --single-transaction --exit-on-error";

/** The pg_restore flags of host/files/dropit-pg-restore.sh (the test runs the same against a local server). */
export function pgRestoreFlags(): string {
    return PG_RESTORE_FLAGS;
}

/**
 * systemd calendar expressions: `daily`, `*-*-* 03:15:00`, `Mon..Fri 02:00`, `*:0/15`. A unit
 * file is not shell, but a newline would add directives: the drop-in renders only this shape.
 */
export const CALENDAR = /^[A-Za-z0-9*:,./~-]+( [A-Za-z0-9*:,./~-]+){0,3}$/;

export interface BackupParameters {
    database: string;
    user: string;
    /** Outside the database volume. Default /var/backups/dropit/postgres. */
    backupDir?: string;
    /** Dumps kept at most. Default 14. */
    keepCount?: number;
    /** Dumps older than this are deleted (the newest is always kept). Default 30. */
    keepDays?: number;
    /** Swarm service running PostgreSQL. Default `dropit-postgres`. */
    serviceName?: string;
    /** Swarm service of the API, stopped during a restore. Default `dropit-api`. */
    apiServiceName?: string;
}

function wholeNumber(name: string, value: number, min: number): number {
    if (!Number.isInteger(value) || value < min) throw new Error(`backup: ${name} must be a whole number >= ${min}, got ${value}`);
    return value;
}

/** /etc/dropit/pg-backup.env, read by both commands. */
export function renderBackupEnv(parameters: BackupParameters): string {
    return `# Written by dropit-infra: the parameters of ${BACKUP_SCRIPT_PATH} and ${RESTORE_SCRIPT_PATH}.\n${shellAssignments({
        DATABASE: parameters.database,
        DB_USER: parameters.user,
        POSTGRES_SERVICE: parameters.serviceName ?? "dropit-postgres",
        API_SERVICE: parameters.apiServiceName ?? "dropit-api",
        BACKUP_DIR: parameters.backupDir ?? DEFAULT_BACKUP_DIR,
        KEEP_COUNT: wholeNumber("keepCount", parameters.keepCount ?? 14, 1),
        KEEP_DAYS: wholeNumber("keepDays", parameters.keepDays ?? 30, 1),
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
export function renderBackupSchedule(schedule: string = DEFAULT_SCHEDULE): string {
    if (!CALENDAR.test(schedule)) {
        throw new Error(`backup: schedule ${JSON.stringify(schedule)} must be a systemd OnCalendar expression such as *-*-* 03:15:00`);
    }
    return `# Written by dropit-infra (dropit:postgres.backups.schedule).\n[Timer]\nOnCalendar=\nOnCalendar=${schedule}\n`;
}
