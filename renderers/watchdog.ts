/**
 * The watchdog on the VPS: the static files (host/files/dropit-watchdog.*), its parameters in
 * /etc/dropit/watchdog.env written with the one quoting function, its secrets as assignments
 * sent on stdin (written 0600 by host/install-watchdog.sh), and what the stack output says is
 * watched. Why this shape: docs/architecture.md ("A watchdog that alerts on state change").
 */
import {
    Bounds,
    MONITORING_BACKUP_AGE_HOURS,
    MONITORING_FOR_SECONDS,
    MONITORING_PERCENT,
    MONITORING_RESTART_WINDOW_SECONDS,
    MONITORING_RESTARTS,
    MONITORING_URL,
    withinBounds,
} from "../config/rules";
import { hostFile, hostStep, shellAssignments } from "./shellParams";

export const WATCHDOG_SCRIPT_PATH = "/usr/local/sbin/dropit-watchdog";
export const WATCHDOG_ENV_PATH = "/etc/dropit/watchdog.env";
export const WATCHDOG_SECRETS_PATH = "/etc/dropit/watchdog.secrets.env";
export const WATCHDOG_STATE_DIR = "/var/lib/dropit/watchdog";
export const WATCHDOG_UNIT = "dropit-watchdog";
/** The timer's period (host/files/dropit-watchdog.timer). */
export const WATCHDOG_INTERVAL_SECONDS = 60;

/** Values as the schema resolved them (dropit:monitoring) plus what the stack deploys; no defaults here. */
export interface WatchdogParameters {
    /** Names in alert titles (the domain). */
    hostLabel: string;
    /** Public health URLs, requested through the router on the VPS itself. */
    apiHealthUrl: string;
    webHealthUrl: string;
    /** Swarm services whose running/desired tasks and restarts are checked. */
    services: readonly string[];
    /** The PostgreSQL service, whose task's healthcheck (pg_isready) is read. */
    postgresService: string;
    /** Directory of the local dumps; undefined when backups are off (no backup check). */
    backupDir?: string;
    forSeconds: number;
    diskPercent: number;
    inodePercent: number;
    memoryPercent: number;
    restartsMax: number;
    restartWindowSeconds: number;
    backupMaxAgeHours: number;
    alertFormat: "ntfy" | "json";
    /** Where the state lives; tests point it elsewhere. */
    stateDir?: string;
}

function wholeNumber(name: string, value: number, bounds: Bounds): number {
    if (!withinBounds(value, bounds))
        throw new Error(`monitoring: ${name} must be a whole number from ${bounds.min} to ${bounds.max}, got ${value}`);
    return value;
}

/** /etc/dropit/watchdog.env. */
export function renderWatchdogEnv(parameters: WatchdogParameters): string {
    return `# Written by dropit-infra (dropit:monitoring): the parameters of ${WATCHDOG_SCRIPT_PATH}.\n${shellAssignments({
        HOST_LABEL: parameters.hostLabel,
        STATE_DIR: parameters.stateDir ?? WATCHDOG_STATE_DIR,
        ROUTER_ADDRESS: "127.0.0.1",
        API_HEALTH_URL: parameters.apiHealthUrl,
        WEB_HEALTH_URL: parameters.webHealthUrl,
        SERVICES: parameters.services.join(" "),
        POSTGRES_SERVICE: parameters.postgresService,
        BACKUP_DIR: parameters.backupDir ?? "",
        BACKUP_MAX_AGE_SECONDS: wholeNumber("backupMaxAgeHours", parameters.backupMaxAgeHours, MONITORING_BACKUP_AGE_HOURS) * 3600,
        FOR_SECONDS: wholeNumber("forSeconds", parameters.forSeconds, MONITORING_FOR_SECONDS),
        DISK_PERCENT: wholeNumber("diskPercent", parameters.diskPercent, MONITORING_PERCENT),
        INODE_PERCENT: wholeNumber("inodePercent", parameters.inodePercent, MONITORING_PERCENT),
        MEMORY_PERCENT: wholeNumber("memoryPercent", parameters.memoryPercent, MONITORING_PERCENT),
        RESTARTS_MAX: wholeNumber("restartsMax", parameters.restartsMax, MONITORING_RESTARTS),
        RESTART_WINDOW_SECONDS: wholeNumber("restartWindowSeconds", parameters.restartWindowSeconds, MONITORING_RESTART_WINDOW_SECONDS),
        ALERT_FORMAT: parameters.alertFormat,
    })}\n`;
}

/** The secrets file's text, sent on the install step's stdin (never in its command); an absent URL is empty. */
export function renderWatchdogSecrets(urls: { alertUrl?: string; heartbeatUrl?: string }): string {
    for (const [name, url] of Object.entries(urls)) {
        if (url && !MONITORING_URL.test(url))
            throw new Error(`monitoring: ${name} must be an http(s) URL without spaces, quotes or backslashes`);
    }
    return `${shellAssignments({ ALERT_URL: urls.alertUrl ?? "", HEARTBEAT_URL: urls.heartbeatUrl ?? "" })}\n`;
}

/** The checks one run makes, by the names its alerts carry. */
export function watchedChecks(parameters: Pick<WatchdogParameters, "services" | "backupDir">): string[] {
    return [
        "api-health",
        "web-health",
        "disk-root",
        "inodes-root",
        "disk-docker",
        "inodes-docker",
        "docker",
        ...parameters.services.map((service) => `service-${service}`),
        "postgres",
        "memory",
        ...(parameters.backupDir ? ["backup"] : []),
    ];
}

/** The remote command that installs the watchdog; its stdin must be renderWatchdogSecrets(...). */
export function renderInstallWatchdog(parameters: WatchdogParameters, alertsTo: string): string {
    return hostStep("install-watchdog", {
        WATCHDOG_ENV_TEXT: renderWatchdogEnv(parameters).trimEnd(),
        WATCHDOG_SCRIPT: hostFile("files/dropit-watchdog.sh").trimEnd(),
        WATCHDOG_SERVICE: hostFile("files/dropit-watchdog.service").trimEnd(),
        WATCHDOG_TIMER: hostFile("files/dropit-watchdog.timer").trimEnd(),
        WATCHED: watchedChecks(parameters).join(","),
        ALERTS_TO: alertsTo,
    });
}

/** Removing the resource (monitoring.enabled false, or destroy) removes the watchdog. */
export function renderRemoveWatchdog(): string {
    return hostStep("remove-watchdog");
}
