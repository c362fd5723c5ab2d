/**
 * The bounds and shapes of values that more than one place checks: the schema (config/schema.ts)
 * validates configuration with them, the renderers and the dynamic providers check what reaches
 * them with the same ones. Defaults are not here: they live in the schema only.
 *
 * Plain data, no imports: providers/dnsPropagation/propagationProvider.ts and providers/infomaniak/recordProvider.ts
 * are serialized into the Pulumi state and may import this module, but nothing heavy.
 */

export interface Bounds {
    readonly min: number;
    readonly max: number;
}

/** TTL of every DNS record, in seconds (Infomaniak accepts 60 to 86400). */
export const DNS_TTL_SECONDS: Bounds = { min: 60, max: 86400 };
/** How long `pulumi up` waits for DNS to answer before certificates are requested. */
export const PROPAGATION_TIMEOUT_SECONDS: Bounds = { min: 10, max: 3600 };
/** Pause between two rounds of DNS questions during that wait. */
export const PROPAGATION_POLL_SECONDS: Bounds = { min: 1, max: 300 };

/** Dumps kept at most, and the age in days after which a dump is deleted (the newest always stays). */
export const BACKUP_KEEP_COUNT: Bounds = { min: 1, max: 1000 };
export const BACKUP_KEEP_DAYS: Bounds = { min: 1, max: 3650 };
/**
 * systemd calendar expressions: `daily`, `*-*-* 03:15:00`, `Mon..Fri 02:00`, `*:0/15`. A unit
 * file is not shell, but a newline would add directives: only this shape is rendered.
 */
export const SYSTEMD_CALENDAR = /^[A-Za-z0-9*:,./~-]+( [A-Za-z0-9*:,./~-]+){0,3}$/;
/** An absolute path of plain characters, no `..`. */
export const ABSOLUTE_PATH = /^\/(?!.*\.\.)[A-Za-z0-9_./-]+$/;

/**
 * Memory of one service task (limit or reservation), in MiB as Docker's `512m` means it. The
 * engine refuses limits under 6 MiB; 16 leaves room for a shell healthcheck.
 */
export const SERVICE_MEMORY_MB: Bounds = { min: 16, max: 1048576 };
/** Memory of the whole VPS, in MiB (the 2 GB default plan is 2048). */
export const HOST_MEMORY_MB: Bounds = { min: 512, max: 4194304 };
/** Memory kept for Dokploy and the host itself (its panel, PostgreSQL, Redis, Traefik, the OS, dockerd). */
export const DOKPLOY_MEMORY_MB: Bounds = { min: 0, max: 1048576 };
/** Bytes per MiB: the Docker provider takes memory in bytes, as whole numbers. */
export const BYTES_PER_MB = 1024 * 1024;

/** A PostgreSQL database or role name as this program creates them (lowercase, unquoted). */
export const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** A PostgreSQL parameter (GUC) name such as max_connections. */
export const PG_SETTING_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Plain words, numbers and sizes (`200`, `256MB`, `0.9`, `on`): nothing a shell or SQL reads twice. */
export const PG_SETTING_VALUE = /^[A-Za-z0-9_.]{1,64}$/;
/** An extension name as `CREATE EXTENSION` takes it, such as uuid-ossp. */
export const PG_EXTENSION_NAME = /^[a-z0-9_-]{1,63}$/;
/**
 * Settings that run commands or move the server's files. They are not tuning, and a typo in them
 * breaks or exposes the database, so they are refused rather than passed through.
 */
export const PG_REFUSED_SETTINGS: ReadonlySet<string> = new Set([
    "archive_command",
    "restore_command",
    "archive_cleanup_command",
    "recovery_end_command",
    "ssl_passphrase_command",
    "data_directory",
    "config_file",
    "hba_file",
    "ident_file",
    "external_pid_file",
    "shared_preload_libraries",
    "local_preload_libraries",
    "session_preload_libraries",
    "dynamic_library_path",
]);

/** True when `value` is a whole number within `bounds`. */
export function withinBounds(value: unknown, bounds: Bounds): boolean {
    return typeof value === "number" && Number.isInteger(value) && value >= bounds.min && value <= bounds.max;
}

/** Extra machines in `dropit:nodes` (Swarm itself has no small limit; this keeps a plan readable). */
export const NODE_COUNT: Bounds = { min: 0, max: 20 };
/** Swarm managers in all, the first server included: Raft needs an odd count to tolerate a loss. */
export const MANAGER_COUNT: Bounds = { min: 1, max: 7 };
/** Tasks of one service on one node (API and web, with nodes): Swarm's `placement.maxReplicas`. */
export const REPLICAS_PER_NODE: Bounds = { min: 1, max: 10 };
/** A node label key of the user's own; `dropit.` is this program's namespace. */
export const NODE_LABEL_KEY = /^(?!dropit\.)[a-z0-9][a-z0-9._-]{0,62}$/;
/** A node label value: plain characters only, so it is data in a host script and in a constraint. */
export const NODE_LABEL_VALUE = /^[A-Za-z0-9._-]{1,63}$/;
/** The watchdog (dropit:monitoring): how long a condition must hold before it alerts, in seconds. */
export const MONITORING_FOR_SECONDS: Bounds = { min: 0, max: 86400 };
/** Use of disk, inodes or memory, in percent, at which a check fails. */
export const MONITORING_PERCENT: Bounds = { min: 1, max: 100 };
/** Restarts of one service's tasks within the window at which its check fails. */
export const MONITORING_RESTARTS: Bounds = { min: 1, max: 100 };
/** The window in which restarts are counted, in seconds. */
export const MONITORING_RESTART_WINDOW_SECONDS: Bounds = { min: 60, max: 86400 };
/** Age in hours of the newest local backup above which the backup check fails. */
export const MONITORING_BACKUP_AGE_HOURS: Bounds = { min: 1, max: 8760 };
/**
 * An alert or heartbeat URL: http(s) with no whitespace, quote or backslash (it is written into
 * curl's config file between double quotes on the host).
 */
export const MONITORING_URL = /^https?:\/\/[^\s"'\\]+$/;
