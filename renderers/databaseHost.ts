/**
 * Host-side safety of the database, as remote commands (host/*.sh): backup commands and their
 * timer installed, a backup before an API rollout, and a refusal to start another PostgreSQL
 * major version on existing data.
 */
import { backupFiles, renderBackupEnv, renderBackupSchedule } from "./backup";
import { hostStep } from "./shellParams";

export interface BackupSettings {
    database: string;
    user: string;
    schedule: string;
    keepCount: number;
    keepDays: number;
    directory: string;
}

/** Installs (or refreshes) the backup and restore commands, their parameters, and the daily timer. */
export function renderInstallBackups(settings: BackupSettings): string {
    const files = backupFiles();
    return hostStep("install-backups", {
        BACKUP_ENV: renderBackupEnv({
            database: settings.database,
            user: settings.user,
            backupDir: settings.directory,
            keepCount: settings.keepCount,
            keepDays: settings.keepDays,
        }).trimEnd(),
        BACKUP_SCRIPT: files.backup.trimEnd(),
        RESTORE_SCRIPT: files.restore.trimEnd(),
        BACKUP_SERVICE: files.service.trimEnd(),
        BACKUP_TIMER: files.timer.trimEnd(),
        BACKUP_SCHEDULE: renderBackupSchedule(settings.schedule).trimEnd(),
        SCHEDULE: settings.schedule,
        KEEP_COUNT: settings.keepCount,
        KEEP_DAYS: settings.keepDays,
        BACKUP_DIR: settings.directory,
    });
}

/** The app syncs its schema at start-up: a dump precedes every new API image. */
export function renderPreDeployBackup(): string {
    return hostStep("pre-deploy-backup", {}, { sudo: false });
}

/**
 * PostgreSQL refuses data from another major version, and the entrypoint would not migrate
 * it: refuse the change up front with the way through, before the service is touched.
 */
export function renderMajorVersionGuard(volume: string, major: number, dataSubdir: string): string {
    return hostStep("postgres-version-guard", { VOLUME: volume, MAJOR: major, DATA_SUBDIR: dataSubdir }, { sudo: false });
}
