/**
 * Offsite copies of the database dumps with restic, and the backup alarm: what
 * host/install-offsite.sh installs (host/files/dropit-pg-offsite.sh, dropit-backup-run.sh, the
 * check's unit and timer), its parameters (/etc/dropit/pg-offsite.env) and its secrets
 * (/etc/dropit/pg-offsite.secrets, rendered here and sent on stdin), and the disaster-recovery
 * restore (host/restore-offsite.sh). Values reach the host only through shellAssignments.
 */
import { parseCredentialLines, RESTIC_CHECK_SUBSET, RESTIC_REPOSITORY, RESTIC_SNAPSHOT, SFTP_REPOSITORY } from "../config/offsiteRules";
import { renderBackupSchedule } from "./backup";
import { hostFile, hostStep, shellAssignments } from "./shellParams";

export const OFFSITE_SCRIPT_PATH = "/usr/local/sbin/dropit-pg-offsite";
export const RUN_SCRIPT_PATH = "/usr/local/sbin/dropit-backup-run";
export const OFFSITE_ENV_PATH = "/etc/dropit/pg-offsite.env";
export const OFFSITE_SECRETS_PATH = "/etc/dropit/pg-offsite.secrets";
const SFTP_DIR = "/etc/dropit/pg-offsite-ssh";

/** dropit:postgres.backups.offsite as the schema resolved it. */
export interface OffsiteSettings {
    repository: string;
    keepLast: number;
    keepDaily: number;
    keepWeekly: number;
    keepMonthly: number;
    appendOnly: boolean;
    checkSchedule: string;
    checkSubset: string;
    timeoutMinutes: number;
    sftpHostKey?: string;
}

export interface OffsiteSecrets {
    /** restic's repository password (generated, or dropit:offsitePassword). */
    repositoryPassword?: string;
    /** dropit:offsiteCredentials: NAME=value lines. */
    credentials?: string;
    /** dropit:offsiteSshKey, for sftp: repositories. */
    sshKey?: string;
    /** dropit:backupPingUrl. */
    pingUrl?: string;
}

export interface SftpTarget {
    user: string;
    host: string;
    port: number;
}

/** The SSH end of an `sftp:` repository, or undefined for other backends. */
export function sftpTarget(repository: string): SftpTarget | undefined {
    if (!repository.startsWith("sftp:")) return undefined;
    const match = SFTP_REPOSITORY.exec(repository);
    if (!match) throw new Error(`offsite: ${repository} is not sftp:user@host:/path or sftp://user@host:port//path`);
    const port = match[3] === undefined ? 22 : Number(match[3]);
    if (port < 1 || port > 65535) throw new Error(`offsite: port ${port} of ${repository} is out of range`);
    return { user: match[1], host: match[2].replace(/^\[|\]$/g, ""), port };
}

/**
 * restic's `-o sftp.command`: the SSH client with the key, the pinned host key and bounded
 * waits (restic splits it on spaces, so every part is a plain word checked by SFTP_REPOSITORY).
 */
export function renderSftpCommand(target: SftpTarget): string {
    return [
        "ssh",
        `-i ${SFTP_DIR}/id`,
        "-o IdentitiesOnly=yes",
        `-o UserKnownHostsFile=${SFTP_DIR}/known_hosts`,
        "-o StrictHostKeyChecking=yes",
        "-o BatchMode=yes",
        "-o ConnectTimeout=20",
        "-o ServerAliveInterval=15",
        "-o ServerAliveCountMax=4",
        `-p ${target.port}`,
        `${target.user}@${target.host}`,
        "-s sftp",
    ].join(" ");
}

export function renderKnownHosts(target: SftpTarget, hostKey: string): string {
    const name = target.port === 22 ? target.host : `[${target.host}]:${target.port}`;
    return `${name} ${hostKey}`;
}

/** /etc/dropit/pg-offsite.env: the non-secret parameters of the offsite scripts. */
export function renderOffsiteEnv(settings: OffsiteSettings | undefined): string {
    if (!settings)
        return `# Written by dropit-infra: no offsite repository (dropit:postgres.backups.offsite), the ping only.\n${shellAssignments({ OFFSITE: 0 })}\n`;
    if (!RESTIC_REPOSITORY.test(settings.repository)) throw new Error(`offsite: ${settings.repository} is not a restic repository`);
    if (!RESTIC_CHECK_SUBSET.test(settings.checkSubset))
        throw new Error(`offsite: checkSubset ${settings.checkSubset} must be a percentage`);
    const target = sftpTarget(settings.repository);
    return `# Written by dropit-infra: the parameters of ${OFFSITE_SCRIPT_PATH} and ${RUN_SCRIPT_PATH}.\n${shellAssignments({
        OFFSITE: 1,
        KEEP_LAST: settings.keepLast,
        KEEP_DAILY: settings.keepDaily,
        KEEP_WEEKLY: settings.keepWeekly,
        KEEP_MONTHLY: settings.keepMonthly,
        APPEND_ONLY: settings.appendOnly ? 1 : 0,
        CHECK_SUBSET: settings.checkSubset,
        TIMEOUT_SECONDS: settings.timeoutMinutes * 60,
        ...(target ? { SFTP_COMMAND: renderSftpCommand(target) } : {}),
    })}\n`;
}

/**
 * The repository with REST credentials put into a `rest:` URL (restic 0.14 reads them from the
 * URL only); the result is a secret.
 */
function repositoryWithCredentials(repository: string, credentials: ReadonlyMap<string, string>): string {
    const user = credentials.get("REST_USERNAME");
    const password = credentials.get("REST_PASSWORD");
    if (user === undefined && password === undefined) return repository;
    const match = /^rest:(https?:\/\/)(.*)$/.exec(repository);
    if (!match) throw new Error("offsite: REST_USERNAME and REST_PASSWORD only apply to a rest: repository");
    if (user === undefined || password === undefined) throw new Error("offsite: REST_USERNAME and REST_PASSWORD come in pairs");
    return `rest:${match[1]}${encodeURIComponent(user)}:${encodeURIComponent(password)}@${match[2]}`;
}

/** /etc/dropit/pg-offsite.secrets (mode 0600 on the host; sent on the command's stdin). */
export function renderOffsiteSecrets(settings: OffsiteSettings | undefined, secrets: OffsiteSecrets): string {
    const values: Record<string, string> = {};
    if (settings) {
        if (!secrets.repositoryPassword) throw new Error("offsite: the repository password is missing");
        const parsed = secrets.credentials === undefined ? { ok: true as const, pairs: [] } : parseCredentialLines(secrets.credentials);
        if (!parsed.ok) throw new Error(`offsite: dropit:offsiteCredentials ${parsed.problem}`);
        const credentials = new Map(parsed.pairs);
        values.RESTIC_REPOSITORY = repositoryWithCredentials(settings.repository, credentials);
        values.RESTIC_PASSWORD = secrets.repositoryPassword;
        for (const [name, value] of credentials) if (!name.startsWith("REST_")) values[name] = value;
        if (sftpTarget(settings.repository)) {
            if (!secrets.sshKey) throw new Error("offsite: an sftp: repository needs dropit:offsiteSshKey");
            values.SFTP_PRIVATE_KEY = secrets.sshKey.trim();
        }
    }
    if (secrets.pingUrl) values.PING_URL = secrets.pingUrl;
    return `# Written by dropit-infra: secrets of ${OFFSITE_SCRIPT_PATH} and ${RUN_SCRIPT_PATH}.\n${shellAssignments(values)}\n`;
}

/** The repository as the plan shows it (it holds no credential: the schema refuses one). */
export function offsiteSummary(settings: OffsiteSettings | undefined, directory: string): string {
    if (!settings) {
        return `backups are local only (${directory} on the VPS): set dropit:postgres.backups.offsite.repository to copy them off the server`;
    }
    const retention = settings.appendOnly
        ? "append-only: retention runs elsewhere"
        : `keep the last ${settings.keepLast}, ${settings.keepDaily} daily, ${settings.keepWeekly} weekly, ${settings.keepMonthly} monthly`;
    return `backups copied offsite to ${settings.repository} with restic (${retention}; check ${settings.checkSubset} on ${settings.checkSchedule})`;
}

/** The install step (host/install-offsite.sh); its stdin is renderOffsiteSecrets. */
export function renderInstallOffsite(settings: OffsiteSettings | undefined, directory: string): string {
    const target = settings ? sftpTarget(settings.repository) : undefined;
    if (target && !settings?.sftpHostKey) throw new Error("offsite: an sftp: repository needs offsite.sftpHostKey");
    return hostStep("install-offsite", {
        OFFSITE: settings ? 1 : 0,
        OFFSITE_ENV: renderOffsiteEnv(settings).trimEnd(),
        RUN_SCRIPT: hostFile("files/dropit-backup-run.sh").trimEnd(),
        OFFSITE_SCRIPT: hostFile("files/dropit-pg-offsite.sh").trimEnd(),
        BACKUP_DROPIN: hostFile("files/dropit-pg-backup.offsite.conf").trimEnd(),
        CHECK_SERVICE: hostFile("files/dropit-pg-check.service").trimEnd(),
        CHECK_TIMER: hostFile("files/dropit-pg-check.timer").trimEnd(),
        CHECK_SCHEDULE: renderBackupSchedule(
            settings?.checkSchedule ?? "weekly",
            "dropit:postgres.backups.offsite.checkSchedule",
        ).trimEnd(),
        KNOWN_HOSTS: target && settings?.sftpHostKey ? renderKnownHosts(target, settings.sftpHostKey) : "",
        SUMMARY: offsiteSummary(settings, directory),
    });
}

/** Disaster recovery (host/restore-offsite.sh): once, into an empty database, before the API starts. */
export function renderRestoreOffsite(restoreFrom: string, stateDir: string): string {
    if (!RESTIC_SNAPSHOT.test(restoreFrom)) throw new Error(`offsite: restoreFrom ${restoreFrom} must be latest or a snapshot id`);
    return hostStep("restore-offsite", { RESTORE_FROM: restoreFrom, STATE_DIR: stateDir });
}
