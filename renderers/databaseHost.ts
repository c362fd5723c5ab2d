/**
 * Host-side safety of the database, as remote commands: backup scripts and their timer
 * installed, a backup before an API rollout, and a refusal to start another PostgreSQL major
 * version on existing data.
 */
import { quote } from "shell-quote";
import {
    BACKUP_SCRIPT_PATH, BACKUP_UNIT, RESTORE_SCRIPT_PATH, renderBackupScript, renderBackupUnits, renderRestoreScript,
} from "./backup";
import { asRemoteCommand } from "./hostScripts";

const END_OF_FILE = "DROPIT_FILE_END";

export interface BackupSettings {
    database: string;
    user: string;
    schedule: string;
    keepCount: number;
    keepDays: number;
    directory: string;
}

/** A root-owned file written from a quoted heredoc (verbatim, no expansion). */
function writeFile(file: string, content: string, mode: string): string {
    if (content.split("\n").includes(END_OF_FILE)) throw new Error(`${file}: a line may not be ${END_OF_FILE}`);
    return `sudo install -d -m 0755 ${quote([file.slice(0, file.lastIndexOf("/"))])}
sudo tee ${quote([file])} >/dev/null <<'${END_OF_FILE}'
${content.trimEnd()}
${END_OF_FILE}
sudo chmod ${mode} ${quote([file])}`;
}

/** Installs (or refreshes) the backup and restore commands and enables the daily timer. */
export function renderInstallBackups(settings: BackupSettings): string {
    const target = { database: settings.database, user: settings.user };
    const units = renderBackupUnits({ schedule: settings.schedule });
    return asRemoteCommand(`${writeFile(BACKUP_SCRIPT_PATH, renderBackupScript({ ...target, backupDir: settings.directory, keepCount: settings.keepCount, keepDays: settings.keepDays }), "0755")}
${writeFile(RESTORE_SCRIPT_PATH, renderRestoreScript(target), "0755")}
${writeFile(`/etc/systemd/system/${BACKUP_UNIT}.service`, units.service, "0644")}
${writeFile(`/etc/systemd/system/${BACKUP_UNIT}.timer`, units.timer, "0644")}
sudo systemctl daemon-reload
sudo systemctl enable --now ${BACKUP_UNIT}.timer >/dev/null
echo "dropit: backups installed (${BACKUP_SCRIPT_PATH}, timer ${BACKUP_UNIT}.timer: ${settings.schedule}, keep ${settings.keepCount} / ${settings.keepDays} days in ${settings.directory})"`);
}

/** The app syncs its schema at start-up: a dump precedes every new API image. */
export function renderPreDeployBackup(): string {
    return asRemoteCommand(`sudo ${BACKUP_SCRIPT_PATH}
echo "dropit: database dumped before the API rollout"`);
}

/**
 * PostgreSQL refuses data from another major version, and the entrypoint would not migrate
 * it: refuse the change up front with the way through, before the service is touched.
 */
export function renderMajorVersionGuard(volume: string, major: number, dataSubdir: string): string {
    return asRemoteCommand(`mount=$(sudo docker volume inspect -f '{{.Mountpoint}}' ${quote([volume])} 2>/dev/null) || {
  echo "dropit: volume ${volume} does not exist yet; PostgreSQL ${major} will initialise it"
  exit 0
}
version_file="$mount/${dataSubdir}/PG_VERSION"
if ! sudo test -f "$version_file"; then
  echo "dropit: volume ${volume} holds no database yet; PostgreSQL ${major} will initialise it"
  exit 0
fi
current=$(sudo cat "$version_file")
if [ "$current" != ${quote([String(major)])} ]; then
  echo "dropit: dropit:postgres.version is ${major} but the data in volume ${volume} was written by PostgreSQL $current." >&2
  echo "dropit: a major upgrade needs a dump and a restore: set dropit:postgres.version back to $current, run 'sudo ${BACKUP_SCRIPT_PATH}'," >&2
  echo "dropit: then follow README 'Upgrading PostgreSQL' (new volume, restore with ${RESTORE_SCRIPT_PATH})." >&2
  exit 1
fi
echo "dropit: data in ${volume} is PostgreSQL $current, as configured"`);
}
