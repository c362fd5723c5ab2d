/**
 * The single source of validation and defaults for every `dropit:*` configuration key.
 *
 * Pulumi.yaml defaults are not applied under the mock runtime, so defaults live here, where
 * `pulumi up`, `npm run plan` and the tests all see them. Messages say what is wrong; the
 * "how to fix" part is added by `describeIssues` (config/errors.ts) from the key's path.
 */
import { NOTIFICATION_EVENTS } from "../providers/dokploy/client";
import { z } from "zod";
import {
    ABSOLUTE_PATH,
    BACKUP_KEEP_COUNT,
    BACKUP_KEEP_DAYS,
    Bounds,
    DNS_TTL_SECONDS,
    DOKPLOY_MEMORY_MB,
    HOST_MEMORY_MB,
    NODE_COUNT,
    NODE_LABEL_KEY,
    NODE_LABEL_VALUE,
    PG_EXTENSION_NAME,
    PG_IDENTIFIER,
    PG_REFUSED_SETTINGS,
    PG_SETTING_NAME,
    PG_SETTING_VALUE,
    PROPAGATION_POLL_SECONDS,
    PROPAGATION_TIMEOUT_SECONDS,
    REPLICAS_PER_NODE,
    MONITORING_BACKUP_AGE_HOURS,
    MONITORING_FOR_SECONDS,
    MONITORING_PERCENT,
    MONITORING_RESTART_WINDOW_SECONDS,
    MONITORING_RESTARTS,
    MONITORING_URL,
    SERVICE_MEMORY_MB,
    SYSTEMD_CALENDAR,
} from "./rules";
import { FIRST_NODE_NAME } from "./names";
import {
    BACKUP_MAX_AGE_HOURS,
    OFFSITE_TIMEOUT_MINUTES,
    parseCredentialLines,
    PING_URL,
    RESTIC_CHECK_SUBSET,
    RESTIC_KEEP,
    RESTIC_KEEP_LAST,
    RESTIC_REPOSITORY,
    RESTIC_SNAPSHOT,
    URL_WITH_PASSWORD,
} from "./offsiteRules";

/** Keys whose values are credentials: always read as secrets, never echoed in messages. */
export const SECRET_KEYS = [
    "sshPrivateKey",
    "infomaniakToken",
    "brevoApiKey",
    "registryPassword",
    "offsiteCredentials",
    "offsiteSshKey",
    "offsitePassword",
    "backupPingUrl",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
/**
 * Credentials nested in an object key (`pulumi config set --secret --path 'dropit:monitoring.alertUrl'`):
 * read as secrets too, and removed from the plain settings.
 */
export const SECRET_PATHS = ["monitoring.alertUrl", "monitoring.heartbeatUrl", "dokploy.apiKey"] as const;

/** Pulumi stores `--path` leaves as strings or JSON scalars; accept both spellings. */
const booleanText = z.preprocess(
    (value) => (value === "true" ? true : value === "false" ? false : value),
    z.boolean({ error: "must be true or false" }),
);
const flag = (fallback: boolean) => booleanText.default(fallback);

const integer = (min: number, max: number, fallback: number) =>
    z.coerce
        .number({ error: "must be a whole number" })
        .int({ error: "must be a whole number" })
        .min(min, { error: `must be at least ${min}` })
        .max(max, { error: `must be at most ${max}` })
        .default(fallback);
/** A whole number within bounds shared with the code that consumes it (config/rules.ts). */
const bounded = (bounds: Bounds, fallback: number) => integer(bounds.min, bounds.max, fallback);

/**
 * A service's memory per task, in MiB (docs/services.md, "Memory budget"). The defaults fit the
 * whole stack, optional services included, into a 2 GB VPS beside Dokploy's reserve.
 */
const serviceMemory = (what: string, limitMb: number, reservationMb: number) => ({
    memoryMb: bounded(SERVICE_MEMORY_MB, limitMb).describe(
        `Memory limit of each ${what} task, in MiB: above it the kernel kills the task and Swarm restarts it.`,
    ),
    memoryReservationMb: bounded(SERVICE_MEMORY_MB, reservationMb).describe(
        `Memory reserved for each ${what} task, in MiB: Swarm starts a task only while this much is unreserved on the host; at most memoryMb.`,
    ),
});

const required = (what: string) => (issue: { input: unknown }) => (issue.input === undefined ? "is required" : `must be ${what}`);

const hostnameLabel = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const domainName = z
    .string({ error: required("a domain name") })
    .transform((value) => value.trim().toLowerCase().replace(/\.$/, ""))
    .refine((value) => value.split(".").length >= 2 && value.split(".").every((label) => hostnameLabel.test(label)), {
        error: "must be a bare domain name such as dropit-app.fr (no scheme, no path, no port)",
    });

const subdomain = (fallback: string) =>
    z
        .string({ error: "must be a single DNS label such as api" })
        .regex(hostnameLabel, { error: "must be a single DNS label (letters, digits, hyphens), such as api" })
        .default(fallback);

/**
 * Email addresses that reach a host script (the ACME contact, the Dokploy owner): a plain
 * local part (letters, digits, `.` `_` `%` `+` `-`) at a domain name, nothing a shell, YAML or
 * JSON would read specially (zod's email() also admits `'`).
 */
const emailAddress = (what: (issue: { input: unknown }) => string) =>
    z
        .string({ error: what })
        .trim()
        .max(254, { error: "must be at most 254 characters" })
        .regex(/^[A-Za-z0-9_%+-]+(\.[A-Za-z0-9_%+-]+)*@(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.[A-Za-z]{2,63}$/, {
            error: "must be an email address such as admin@dropit-app.fr (letters, digits, . _ % + - before the @)",
        });

const ipAddress = z.union([z.ipv4(), z.ipv6()], { error: required("an IPv4 or IPv6 address such as 203.0.113.10") });

/**
 * `algorithm base64` as printed by `ssh-keyscan` (the host name column removed). Required:
 * without a pinned key the remote commands' SSH client accepts any host key on every
 * connection, while their stdin carries the admin password and the registry token.
 */
const sshHostKey = z
    .string({
        error: (issue) =>
            issue.input === undefined
                ? "is required: without it, remote commands accept any host key. Read it with `ssh-keyscan -t ed25519 <host>` and check it against the key your provider's console shows"
                : "must be a public host key line",
    })
    .trim()
    .regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}$/, {
        error: "must be `<algorithm> <base64>` as printed by `ssh-keyscan -t ed25519 <host>` without the host name",
    })
    // A pinned key also fixes the signature algorithm to the key's type, and for RSA that is
    // SHA-1 `ssh-rsa`, which current OpenSSH servers (Debian bookworm's included) refuse.
    .refine((key) => !key.startsWith("ssh-rsa "), {
        error: "ssh-rsa host keys are refused (pinning one forces SHA-1 signatures, which current sshd refuses); pin the ed25519 key printed by `ssh-keyscan -t ed25519 <host>`",
        abort: true,
    });

const secretText = (what: string) =>
    z.string({ error: required(what) }).refine((value) => value.trim().length > 0, { error: "must not be empty" });

const sshUser = z
    .string({ error: "must be a user name" })
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: "must be a Linux user name such as deploy" })
    .refine((user) => user !== "root", {
        error: "must be a non-root sudo user (the guide's requirement); create one with `adduser deploy && usermod -aG sudo deploy`",
    })
    .default("deploy");

/** The address the other nodes reach a machine at (Swarm's advertise address); default: its host. */
const privateAddress = (what: string) =>
    z
        .union([z.ipv4(), z.ipv6()], { error: "must be an IPv4 or IPv6 address such as 10.0.0.2" })
        .optional()
        .describe(
            `Address the other nodes reach ${what} at (a private network's, preferably): Swarm advertises it and the firewall admits Swarm traffic only from these addresses; default: host. Only used with dropit:nodes.`,
        );

const server = z.strictObject({
    /** IPv4 (A records; add `ipv6` for AAAA records too) or IPv6 (AAAA records only). */
    host: ipAddress.describe(
        "Public address of the VPS: IPv4 (A records; add server.ipv6 for AAAA records too) or IPv6 (AAAA records only).",
    ),
    user: sshUser.describe("SSH user with passwordless sudo that every remote command and the Docker provider connect as."),
    port: integer(1, 65535, 22).describe("Port the SSH connections go to."),
    hostKey: sshHostKey.describe(
        "Pinned SSH host key of the VPS (`ssh-keyscan -t ed25519 <host>` without the host name), checked by every connection.",
    ),
    /** The public IPv6 address of an IPv4 host: AAAA records beside the A records. */
    ipv6: z
        .ipv6({ error: "must be an IPv6 address such as 2001:db8::10" })
        .optional()
        .describe("Public IPv6 address of an IPv4 host: AAAA records beside the A records (not with an IPv6 server.host)."),
    privateAddress: privateAddress("the first server"),
    memoryMb: bounded(HOST_MEMORY_MB, 2048).describe(
        "Memory of the VPS in MiB: the services' reservations plus dokploy.memoryMb must fit in it; `npm run plan` warns when their limits do not.",
    ),
});

/** `true` adopts every name; a list adopts those names (relative to the zone, `@` for the apex). */
const adoptExisting = z
    .union([booleanText, z.array(z.string().regex(/^(@|(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*)$/))], {
        error: 'must be true, false, or a list of record names relative to the zone such as ["api", "@"]',
    })
    .optional();

/** A resolver address, `ip` or `ip:port` (`[ipv6]:port`). */
const resolverAddress = z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:]+\](:\d{1,5})?|[0-9a-fA-F:]+)$/, {
    error: "must be an IP address such as 1.1.1.1 (optionally with :port)",
});

const dns = z
    .strictObject({
        provider: z
            .enum(["infomaniak", "manual"], { error: "must be `infomaniak` or `manual`" })
            .default("manual")
            .describe(
                "manual: the records are printed, exported as dnsRecords and waited for; infomaniak: managed through Infomaniak's API (needs infomaniakToken).",
            ),
        ttl: bounded(DNS_TTL_SECONDS, 300).describe("TTL in seconds of the records."),
        zone: domainName
            .optional()
            .describe("The Infomaniak zone that holds the domain, when it is a parent of the domain; default: the domain itself."),
        /** Existing records (same name and type, another value) this program may take over; never deleted. */
        adoptExisting: adoptExisting
            .default(false)
            .describe(
                "Existing records (same name and type, another value) this program may take over: true for every name, or a list of names relative to the zone (@ for the apex). Adopted records are never deleted.",
            ),
        /** A CAA record at the apex allowing only Let's Encrypt to issue certificates (infomaniak mode). */
        caa: flag(false).describe("Adds a CAA record at the apex that lets only Let's Encrypt issue certificates (infomaniak mode)."),
        /** How long `pulumi up` waits for DNS to answer before certificates are requested. */
        propagationTimeoutSeconds: bounded(PROPAGATION_TIMEOUT_SECONDS, 600).describe(
            "How long `pulumi up` waits for the records to answer before any certificate is requested, in seconds.",
        ),
        propagationPollSeconds: bounded(PROPAGATION_POLL_SECONDS, 10).describe("Seconds between two DNS checks during that wait."),
        /** Also require this public resolver (e.g. 1.1.1.1) to answer, besides the zone's name servers. */
        publicResolver: resolverAddress
            .optional()
            .describe("Also require this public resolver (e.g. 1.1.1.1) to answer, besides the zone's name servers."),
        /** The servers the wait asks, in place of the zone's NS records (a split-horizon or private zone). */
        nameservers: z
            .array(resolverAddress)
            .min(1, { error: "must list at least one name server, or be left unset" })
            .optional()
            .describe(
                "The name servers the wait asks (IP or IP:port), in place of the zone's own NS records: for a zone served by other servers than its delegation says.",
            ),
    })
    .prefault({})
    .describe("The domain's DNS records and the wait for them before certificates.");

const dokploy = z
    .strictObject({
        version: z
            .string({ error: "must be a release tag such as v0.30.2" })
            .regex(/^v\d+\.\d+\.\d+$/, { error: "must be a pinned release tag such as v0.30.2 (not `latest` or `canary`)" })
            .default("v0.30.2")
            .describe(
                "Pinned Dokploy release, installed once; a change runs that release's `install.sh update`. Releases from v0.29.11 on ship the install.sh this program downloads.",
            ),
        /** The engine version the pinned release's installer would install (docker-ce). */
        dockerVersion: z
            .string()
            .regex(/^\d+\.\d+\.\d+$/, { error: "must be a docker-ce version such as 28.5.0" })
            .default("28.5.0")
            .describe(
                "docker-ce version installed (and held) when Docker is absent: the one the pinned release's installer would install.",
            ),
        /** Defaults to the release's own install.sh; override for a mirror or the test stand-in. */
        installerUrl: z
            .string({ error: "must be an http(s) URL" })
            .regex(
                /^https?:\/\/([A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?(\/[A-Za-z0-9._~%/+-]*)?(\?[A-Za-z0-9._~%=&+-]*)?$/,
                {
                    error: "must be an http(s) URL such as https://example.com/install.sh (host, optional port, path and query of letters, digits and . _ ~ % / + - = &)",
                },
            )
            .optional()
            .describe("URL of Dokploy's installer; default: the pinned release's own install.sh. Override for a mirror."),
        /** Owner account of the panel, created right after the install. Default: acmeEmail. */
        adminEmail: emailAddress(() => "must be an email address such as admin@dropit-app.fr")
            .optional()
            .describe("Email of the panel's owner account, created right after the install; default: acmeEmail."),
        /** `pulumi destroy` runs Dokploy's documented uninstall (its data is lost). Default false. */
        uninstallOnDestroy: flag(false).describe("`pulumi destroy` runs Dokploy's documented uninstall (its projects and data are lost)."),
        memoryMb: bounded(DOKPLOY_MEMORY_MB, 896).describe(
            "Memory kept for what runs beside the DropIt services, in MiB: Dokploy's panel, its PostgreSQL and Redis, Traefik, dockerd and the OS (docs/services.md, Memory budget).",
        ),
        apiKey: secretText("an API key of the Dokploy panel")
            .optional()
            .describe(
                "API key of the panel (Settings > Profile > API keys; secret): with monitoring.alertUrl, `pulumi up` creates Dokploy's own notifications to that URL (docs/monitoring.md).",
            ),
        notifications: z
            .strictObject({
                events: z
                    .array(z.enum(NOTIFICATION_EVENTS, { error: `must be one of ${NOTIFICATION_EVENTS.join(", ")}` }))
                    .min(1, { error: "must name at least one event" })
                    .default(["appBuildError", "databaseBackup", "dockerCleanup"])
                    .describe(
                        "Dokploy events sent to monitoring.alertUrl when dokploy.apiKey is set; serverThreshold needs monitoring.alertFormat json (Dokploy's ntfy channel cannot carry it).",
                    ),
                priority: integer(1, 5, 4).describe("ntfy priority of Dokploy's notifications (1 to 5)."),
            })
            .prefault({})
            .describe("Dokploy's own notifications (build errors, backups, Docker cleanup, server thresholds), created through its API."),
    })
    .prefault({})
    .describe("The Dokploy release and its installation on the VPS.");

const firewall = z
    .strictObject({
        /** The port sshd listens on at the host when it differs from server.port (a port-forward in front). */
        sshPort: z.coerce
            .number({ error: "must be a TCP port such as 22" })
            .int({ error: "must be a TCP port such as 22" })
            .min(1, { error: "must be a TCP port such as 22" })
            .max(65535, { error: "must be a TCP port such as 22" })
            .optional()
            .describe(
                "Port sshd listens on at the host, kept open by the firewall, when it differs from server.port (a port-forward in front); default: server.port.",
            ),
    })
    .prefault({})
    .describe("The host firewall (ports 80 and 443 and the SSH port stay open).");

const registry = z
    .strictObject({
        /** `docker login`'s server: a host name or IP address, optionally with a port. */
        server: z
            .string({ error: "must be a registry host such as docker.io" })
            .regex(/^((?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/, {
                error: "must be a registry host such as docker.io, ghcr.io or registry.example.com:5000 (no scheme, no path)",
            })
            .default("docker.io")
            .describe("Registry that root's Docker client logs in to before anything is pulled (host, optional port)."),
        /** Docker Hub, GHCR and GitLab names, robot accounts (Harbor `robot$project+ci`) and email-style logins. */
        username: z
            .string({ error: "must be the registry user name" })
            .regex(/^[A-Za-z0-9][A-Za-z0-9._@+$-]{0,254}$/, {
                error: "must be a registry user name such as dropitbot (letters, digits and . _ @ + $ -)",
            })
            .optional()
            .describe("Registry user; set together with registryPassword (a login avoids Docker Hub's pull limit)."),
    })
    .prefault({})
    .describe("The registry login used for pulls on the VPS.");

const app = z.strictObject({
    source: z
        .string({ error: required("the path of a DropIt checkout") })
        .min(1, { error: "must be the path of a DropIt checkout" })
        .describe("Path of a DropIt checkout (the images' build context), relative to this project."),
    dockerfile: z
        .enum(["reference", "app"], { error: "must be `reference` (this repo's docker/api.Dockerfile) or `app` (apps/api/Dockerfile)" })
        .default("reference")
        .describe("Dockerfile of the API image: reference = this repo's docker/api.Dockerfile; app = the checkout's apps/api/Dockerfile."),
    webDockerfile: z
        .enum(["reference", "app"], { error: "must be `reference` (this repo's docker/web.Dockerfile) or `app` (apps/web/Dockerfile)" })
        .default("reference")
        .describe(
            "Dockerfile of the web image: reference = this repo's docker/web.Dockerfile; app = the checkout's apps/web/Dockerfile, which must declare `ARG VITE_API_URL` (DropIt's own does not yet).",
        ),
    buildOn: z
        .enum(["local", "vps"], {
            error: "must be `local` (the Docker engine where `pulumi up` runs, the default) or `vps` (the server's own engine)",
        })
        .default("local")
        .describe(
            "Where the API and web images are built: local = the Docker engine where `pulumi up` runs (your machine or the CI runner), so the VPS never runs a build; vps = the server's own engine over SSH (a pnpm install and a Vite/NestJS build next to production).",
        ),
    delivery: z
        .enum(["ssh", "registry"], {
            error: "must be `ssh` (through the SSH connection, no registry account) or `registry` (push to registry.server, pull on the VPS)",
        })
        .optional()
        .describe(
            "How a locally built image reaches the VPS: ssh = the VPS pulls the missing layers from a registry on 127.0.0.1 of the building machine through the SSH connection (the default on one server); registry = pushed to registry.server and pinned by digest (the default, and the only choice, with nodes).",
        ),
    tunnelPort: integer(1024, 65535, 5555).describe(
        "With delivery ssh: the port of the building machine's registry (on its 127.0.0.1) and of the VPS end of the SSH tunnel (on the VPS's 127.0.0.1).",
    ),
});

/** Server settings rendered as `-c name=value` flags; names are PostgreSQL GUC names. */
const postgresSettings = z
    .record(
        z
            .string()
            .regex(PG_SETTING_NAME, { error: "setting names are PostgreSQL parameter names such as max_connections" })
            .refine((name) => !PG_REFUSED_SETTINGS.has(name), {
                error: "is not a tuning setting and is refused (it runs commands or moves files)",
            }),
        z.union([
            z.string().regex(PG_SETTING_VALUE, { error: "setting values are plain words or sizes such as 256MB (at most 64 characters)" }),
            z.number().nonnegative({ error: "setting values that are numbers must not be negative" }),
        ]),
    )
    .default({ max_connections: 200, shared_buffers: "256MB", effective_cache_size: "1GB" })
    .describe(
        "PostgreSQL server settings, passed as `-c name=value` flags; settings that run commands or move files (archive_command, data_directory, ...) are refused.",
    );

/** The offsite restic repository (renderers/offsite.ts, host/files/dropit-pg-offsite.sh). */
const offsite = z.strictObject({
    repository: z
        .string({ error: required("a restic repository such as sftp:backup@backup.example.net:/srv/dropit") })
        .regex(RESTIC_REPOSITORY, {
            error: "must be a restic repository such as s3:https://s3.example.net/bucket, sftp:user@host:/path or rest:https://host/path (plain characters only)",
        })
        .refine((value) => !URL_WITH_PASSWORD.test(value), {
            error: "must not hold a password: put REST_USERNAME and REST_PASSWORD in the secret dropit:offsiteCredentials instead",
        })
        .describe(
            "restic repository the dumps are copied to (s3:, sftp:, rest:, b2:, azure:, gs:, swift:); its credentials are dropit:offsiteCredentials.",
        ),
    keepLast: bounded(RESTIC_KEEP_LAST, 3).describe(
        "The newest snapshots kept whatever their dates (restic forget --keep-last): several runs on one day (a rollout's dump, a manual run) all stay.",
    ),
    keepDaily: bounded(RESTIC_KEEP, 7).describe("Daily snapshots kept offsite (restic forget --keep-daily)."),
    keepWeekly: bounded(RESTIC_KEEP, 5).describe("Weekly snapshots kept offsite (restic forget --keep-weekly)."),
    keepMonthly: bounded(RESTIC_KEEP, 12).describe("Monthly snapshots kept offsite (restic forget --keep-monthly)."),
    appendOnly: flag(false).describe(
        "The VPS's credential can only add to the repository (rest-server --append-only, S3 object lock): the VPS never runs forget/prune; run retention from a machine holding the full credential.",
    ),
    checkSchedule: z
        .string()
        .regex(SYSTEMD_CALENDAR, { error: "must be a systemd OnCalendar expression such as Sun *-*-* 04:30:00" })
        .default("Sun *-*-* 04:30:00")
        .describe("When `restic check` runs (systemd OnCalendar, server time)."),
    checkSubset: z
        .string()
        .regex(RESTIC_CHECK_SUBSET, { error: "must be a percentage such as 5%" })
        .default("5%")
        .describe("Share of the repository's data read back by each check (restic check --read-data-subset)."),
    timeoutMinutes: bounded(OFFSITE_TIMEOUT_MINUTES, 60).describe(
        "A restic call (upload, retention, check) still running after this many minutes is killed and the run fails loudly (restic retries an unreachable backend for a long time).",
    ),
    sftpHostKey: sshHostKey
        .optional()
        .describe(
            "Pinned SSH host key of an sftp: repository's server (`ssh-keyscan -t ed25519 <host>` without the host name); required for sftp:.",
        ),
    maxAgeHours: bounded(BACKUP_MAX_AGE_HOURS, 26).describe(
        "`npm run smoke` fails when the newest offsite snapshot is older than this (a daily schedule plus slack).",
    ),
});

/** Nightly dumps on the VPS, outside the database volume (renderers/backup.ts, host/files/dropit-pg-backup.sh). */
const backups = z
    .strictObject({
        enabled: flag(true).describe(
            "Installs the backup and restore commands and the daily timer, and dumps the database before every new API image.",
        ),
        schedule: z
            .string()
            .regex(SYSTEMD_CALENDAR, { error: "must be a systemd OnCalendar expression such as *-*-* 03:15:00 or Mon..Fri 02:30" })
            .default("*-*-* 03:15:00")
            .describe("When the backup timer runs (systemd OnCalendar, server time)."),
        keepCount: bounded(BACKUP_KEEP_COUNT, 14).describe("Most dumps kept; the newest is never deleted."),
        keepDays: bounded(BACKUP_KEEP_DAYS, 30).describe("Dumps older than this many days are deleted; the newest is never deleted."),
        directory: z
            .string()
            .regex(ABSOLUTE_PATH, { error: "must be an absolute path such as /var/backups/dropit/postgres" })
            .default("/var/backups/dropit/postgres")
            .describe("Directory of the dumps on the VPS, outside the database volume."),
        offsite: offsite
            .optional()
            .describe("Encrypted copies of each dump in a restic repository off the VPS; without it backups are local only."),
        restoreFrom: z
            .string({ error: "must be latest or a snapshot id" })
            .regex(RESTIC_SNAPSHOT, { error: "must be latest or a restic snapshot id (8 to 64 hex digits, from `restic snapshots`)" })
            .optional()
            .describe(
                "Disaster recovery: restores the database from this offsite snapshot (latest or an id) before the API starts, once, and only into an empty database.",
            ),
    })
    .prefault({})
    .describe("Nightly dumps of the database on the VPS.");

const postgres = z
    .strictObject({
        version: integer(12, 99, 16).describe(
            "PostgreSQL major version (image postgres:<version>-alpine); a change is refused while the volume holds another version's data.",
        ),
        database: z
            .string()
            .regex(PG_IDENTIFIER, { error: "must be a lowercase identifier such as dropit" })
            .default("dropit")
            .describe("Name of the application's database."),
        user: z
            .string()
            .regex(PG_IDENTIFIER, { error: "must be a lowercase identifier such as dropit" })
            .default("dropit")
            .describe("Role the API connects as (its password is generated: output postgresPassword)."),
        settings: postgresSettings,
        extensions: z
            .array(z.string().regex(PG_EXTENSION_NAME, { error: "must be an extension name such as uuid-ossp" }))
            .default(["uuid-ossp", "pgcrypto"])
            .describe("Extensions created by the init script on the first start of an empty volume."),
        backups,
        ...serviceMemory("PostgreSQL", 512, 192),
    })
    .prefault({})
    .describe("The PostgreSQL service (dropit-postgres), never published outside the Swarm network.");

const api = z
    .strictObject({
        healthPath: z
            .string({ error: "must be a path such as /api/health" })
            .regex(/^\/[A-Za-z0-9/_.-]*$/, { error: "must be an absolute URL path such as /api/health or /api" })
            .default("/api/health")
            .describe("Path the API's healthcheck requests; a new task that never answers it with 2xx or 3xx is rolled back."),
        replicas: integer(1, 10, 1).describe("Number of API tasks."),
        port: integer(1, 65535, 3000).describe("Port the API listens on inside its container (API_PORT)."),
        seedDemoData: flag(false).describe(
            "Seeds demo accounts with a publicly known password (SEED_DB=true); refused on the stacks prod and production.",
        ),
        brevoFromEmail: z
            .email({ error: "must be an email address" })
            .optional()
            .describe("Sender address of the app's emails (BREVO_FROM_EMAIL)."),
        brevoFromName: z.string().min(1).optional().describe("Sender name of the app's emails (BREVO_FROM_NAME)."),
        ...serviceMemory("API", 320, 160),
    })
    .prefault({})
    .describe("The NestJS API (dropit-api), at <api>.<domain>.");

const web = z
    .strictObject({
        replicas: integer(1, 10, 1).describe("Number of nginx tasks."),
        assetBridge: flag(true).describe(
            "During a rollout every task serves the hashed assets of the old and the new release (it asks its peers for what it lacks, and copies theirs at start), so no page load breaks; false: each task serves its own release only.",
        ),
        ...serviceMemory("nginx", 64, 16),
    })
    .prefault({})
    .describe("The front end (dropit-web): nginx serving the Vite build at the domain.");

const redis = z
    .strictObject({
        enabled: flag(false).describe(
            "Deploys dropit-redis (redis:7-alpine, generated password, append-only file, kept volume dropit-redis-data).",
        ),
        ...serviceMemory("Redis", 96, 32),
    })
    .prefault({})
    .describe("Optional Redis service.");

const typesense = z
    .strictObject({
        enabled: flag(false).describe("Deploys dropit-typesense with a generated API key and a kept volume dropit-typesense-data."),
        version: z
            .string()
            .regex(/^\d+\.\d+\.\d+$/, { error: "must be a version such as 0.25.2" })
            .default("0.25.2")
            .describe("Typesense image version (typesense/typesense:<version>)."),
        ...serviceMemory("Typesense", 160, 64),
    })
    .prefault({})
    .describe("Optional Typesense search service.");

/** An extra machine of the Swarm (docs/nodes.md): converged like the first server, then joined. */
const node = z.strictObject({
    name: z
        .string({ error: required("a node name such as worker-1") })
        .regex(hostnameLabel, { error: "must be a single DNS label (lowercase letters, digits, hyphens) such as worker-1" })
        .refine((name) => name !== FIRST_NODE_NAME, { error: `\`${FIRST_NODE_NAME}\` is the first server's name; pick another` })
        .describe(
            `Name of the node, unique, not \`${FIRST_NODE_NAME}\` (the first server): its resources and its \`dropit.node\` label carry it.`,
        ),
    host: ipAddress.describe("Address SSH reaches the node at (IPv4 or IPv6)."),
    privateAddress: privateAddress("this node"),
    user: sshUser.describe("SSH user with passwordless sudo on the node (the same private key as the first server)."),
    port: integer(1, 65535, 22).describe("Port the node's SSH connections go to."),
    hostKey: sshHostKey.describe("Pinned SSH host key of the node (`ssh-keyscan -t ed25519 <host>` without the host name)."),
    role: z
        .enum(["worker", "manager"], { error: "must be `worker` or `manager`" })
        .default("worker")
        .describe("worker runs tasks; manager also holds the Swarm's state (keep the managers odd in number: 1, 3, 5)."),
    labels: z
        .record(
            z.string(),
            z.string().regex(NODE_LABEL_VALUE, { error: "label values are plain words such as eu-1 (letters, digits, . _ -)" }),
        )
        // On the whole map: zod reports a refused record key without its message.
        .refine((labels) => Object.keys(labels).every((key) => NODE_LABEL_KEY.test(key)), {
            error: "label keys are lowercase words such as zone (letters, digits, . _ -), not under dropit. (this program's own labels)",
        })
        .default({})
        .describe("Swarm labels of the node (e.g. zone: eu-1), for your own placement constraints."),
    firewallSshPort: z.coerce
        .number({ error: "must be a TCP port such as 22" })
        .int({ error: "must be a TCP port such as 22" })
        .min(1, { error: "must be a TCP port such as 22" })
        .max(65535, { error: "must be a TCP port such as 22" })
        .optional()
        .describe("Port sshd listens on at the node when it differs from port (a port-forward in front); default: port."),
});

const nodes = z
    .array(node, { error: "must be a list of nodes, each an object with name, host and hostKey" })
    .max(NODE_COUNT.max, { error: `must hold at most ${NODE_COUNT.max} nodes` })
    .default([])
    .describe(
        "Extra machines of the Swarm beside the first server (docs/nodes.md). Each is converged like it (packages, Docker, firewall) and joins the Swarm; with nodes, images go through the registry (registry.*) and are pinned by digest.",
    );

const swarm = z
    .strictObject({
        endpointMode: z
            .enum(["vip", "dnsrr"], { error: "must be `vip` (Swarm's virtual IP, the default) or `dnsrr` (for kernels without IPVS)" })
            .default("vip")
            .describe(
                "How services are reached on dokploy-network: vip = Swarm's virtual IP (IPVS; it drops a stopping task first); dnsrr = the tasks' own addresses, for hosts whose kernel has no IPVS (some container-based VPS): Traefik then balances over the tasks, lists them every 2 s (its static config is edited) and retries a refused request.",
            ),
    })
    .prefault({})
    .describe("How the Swarm services are reached.");

const cluster = z
    .strictObject({
        enabled: flag(false).describe(
            "Keeps the multi-node mode (Swarm steps, registry images pinned by digest) with no dropit:nodes listed: the first `pulumi up` of going back to one node moves every node's tasks to the first server and removes the nodes (docs/nodes.md). Implied by a non-empty dropit:nodes.",
        ),
        maxReplicasPerNode: bounded(REPLICAS_PER_NODE, 1).describe(
            "With nodes: at most this many API tasks, and this many web tasks, on one node (Swarm's placement.maxReplicas).",
        ),
    })
    .prefault({})
    .describe("How services spread over the nodes (only used with dropit:nodes).");
const monitoringUrl = (what: string) =>
    z
        .string({ error: `must be ${what}` })
        .trim()
        .regex(MONITORING_URL, { error: `must be ${what}: http(s), without spaces, quotes or backslashes` });

/** The watchdog on the VPS (renderers/watchdog.ts, host/files/dropit-watchdog.sh, docs/monitoring.md). */
const monitoring = z
    .strictObject({
        enabled: flag(true).describe(
            "Installs the watchdog (a systemd timer, every minute); without alertUrl its alerts go to the journal only (journalctl -u dropit-watchdog).",
        ),
        alertUrl: monitoringUrl("a webhook URL such as https://ntfy.sh/<topic>")
            .optional()
            .describe(
                "Webhook that receives one message when a check starts failing and one when it recovers (secret: set it with --secret).",
            ),
        alertFormat: z
            .enum(["ntfy", "json"], { error: "must be `ntfy` or `json`" })
            .default("ntfy")
            .describe("ntfy: text body with Title, Priority and Tags headers; json: a JSON object (docs/monitoring.md)."),
        heartbeatUrl: monitoringUrl("a ping URL such as https://hc-ping.com/<uuid>")
            .optional()
            .describe(
                "Pinged after every run (healthchecks.io convention: <url>/fail while a check fires); alarms when the VPS is gone (secret).",
            ),
        forSeconds: bounded(MONITORING_FOR_SECONDS, 180).describe("How long a failing condition must hold before it alerts, in seconds."),
        diskPercent: bounded(MONITORING_PERCENT, 90).describe(
            "Disk use of / and of Docker's data root, in percent, at which a check fails.",
        ),
        inodePercent: bounded(MONITORING_PERCENT, 90).describe("Inode use of the same filesystems, in percent, at which a check fails."),
        memoryPercent: bounded(MONITORING_PERCENT, 90).describe(
            "Memory in use (100 - MemAvailable), in percent, at which the check fails.",
        ),
        restartsMax: bounded(MONITORING_RESTARTS, 3).describe(
            "Task restarts of one service within restartWindowSeconds at which its check fails.",
        ),
        restartWindowSeconds: bounded(MONITORING_RESTART_WINDOW_SECONDS, 900).describe(
            "The window in which restarts are counted, in seconds.",
        ),
        backupMaxAgeHours: bounded(MONITORING_BACKUP_AGE_HOURS, 26).describe(
            "Age of the newest local backup, in hours, above which the backup check fails (when postgres.backups.enabled).",
        ),
    })
    .prefault({})
    .describe("The watchdog on the VPS: checks every minute, alerts on state change, off-box heartbeat (docs/monitoring.md).");

const subdomains = z
    .strictObject({
        api: subdomain("api").describe("Label of the API's host name, <api>.<domain>."),
        traefik: subdomain("traefik").describe("Label of the host name of Traefik's dashboard (behind basic auth, user admin)."),
        dokploy: subdomain("dokploy").describe("Label of the host name of Dokploy's panel."),
    })
    .prefault({})
    .describe("Host names under the domain (one DNS label each).");

export const configSchema = z.strictObject({
    domain: domainName.describe("Apex domain of the site (e.g. dropit-app.fr); the API, Traefik and Dokploy get names under it."),
    acmeEmail: emailAddress(required("an email address such as admin@dropit-app.fr")).describe(
        "Let's Encrypt contact, written into Traefik's static configuration; also the default owner of Dokploy's panel.",
    ),
    subdomains,
    server: z
        .strictObject(server.shape, { error: required("an object with at least `host`") })
        .describe("The VPS (Debian bookworm) and how SSH reaches it."),
    sshPrivateKey: secretText("an OpenSSH private key")
        .refine((key) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key), {
            error: "must be a private key in PEM/OpenSSH form (it starts with -----BEGIN ... PRIVATE KEY-----)",
        })
        .describe("Private SSH key of server.user (`pulumi config set --secret dropit:sshPrivateKey < ~/.ssh/id_ed25519`)."),
    dns,
    infomaniakToken: secretText("an Infomaniak API token")
        .optional()
        .describe("Infomaniak API token with the scopes dns:read and dns:write; required when dns.provider is infomaniak."),
    dokploy,
    firewall,
    registry,
    registryPassword: secretText("a registry password or access token")
        .optional()
        .describe("Registry password or access token; set together with registry.username."),
    app: z
        .strictObject(app.shape, { error: required("an object with at least `source`") })
        .describe("The DropIt application the images are built from."),
    postgres,
    api,
    web,
    brevoApiKey: secretText("a Brevo API key").optional().describe("Brevo API key (BREVO_API_KEY); without it the app sends no email."),
    offsiteCredentials: secretText("NAME=value lines")
        .superRefine((text, context) => {
            const parsed = parseCredentialLines(text);
            if (!parsed.ok)
                context.addIssue({ code: "custom", message: `${parsed.problem} (NAME=value lines such as AWS_ACCESS_KEY_ID=...)` });
        })
        .optional()
        .describe(
            "Credentials of the offsite repository as NAME=value lines (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, REST_USERNAME, REST_PASSWORD, OS_*, ...), written to a 0600 file on the VPS.",
        ),
    offsiteSshKey: secretText("an OpenSSH private key")
        .refine((key) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key), {
            error: "must be a private key in PEM/OpenSSH form (it starts with -----BEGIN ... PRIVATE KEY-----)",
        })
        .optional()
        .describe("Private SSH key the VPS logs in to an sftp: repository with; required for sftp:."),
    offsitePassword: secretText("the repository password")
        .optional()
        .describe(
            "Password of an existing offsite repository (the output offsiteRepositoryPassword of the stack that created it); unset, the program generates one.",
        ),
    backupPingUrl: secretText("an https URL")
        .regex(PING_URL, { error: "must be a ping URL such as https://hc-ping.com/<uuid> (no trailing slash)" })
        .optional()
        .describe("Pinged by every backup run in the healthchecks.io convention (/start, success, /fail with the log's tail)."),
    redis,
    typesense,
    nodes,
    cluster,
    swarm,
    monitoring,
});

/** Keys whose value is plain text; every other key is an object that Pulumi hands over as JSON. */
export const SCALAR_KEYS: ReadonlySet<string> = new Set(["domain", "acmeEmail", ...SECRET_KEYS]);

export type DropitConfig = z.output<typeof configSchema>;
