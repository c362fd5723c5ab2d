/**
 * PostgreSQL for the API: a Swarm service on dokploy-network, never published, on a named
 * volume that neither `pulumi destroy` nor a replacement can delete.
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ServiceMemory } from "../config/memoryBudget";
import { BackupSettings, renderInstallBackups, renderMajorVersionGuard } from "../renderers/databaseHost";
import { OffsiteSettings, offsiteSummary, renderInstallOffsite, renderOffsiteSecrets, renderRestoreOffsite } from "../renderers/offsite";
import { STATE_DIR } from "../renderers/hostScripts";
import { swarmDuration } from "../renderers/duration";
import { renderInitSql, renderServerArgs } from "../renderers/postgres";
import { POSTGRES_SERVICE, POSTGRES_VOLUME } from "../config/names";
import { NO_PREVIOUS_OUTPUT_IN_ENV } from "../lib/sshConnection";
import {
    contentAddressedConfig,
    STOP_FIRST_UPDATE,
    swarmServiceArgs,
    swarmServiceOptions,
    type ClusterPlacement,
    type EndpointMode,
} from "../lib/swarmService";

/**
 * Plain values shape what is rendered at plan time (scripts, labels, health checks, content tags);
 * `pulumi.Input` where a value may be computed by another resource.
 */
export interface PostgresServiceArgs {
    /** Major version; the image is postgres:<version>-alpine. */
    version: number;
    /** The database created on first start (POSTGRES_DB). */
    database: string;
    /** The role created on first start (POSTGRES_USER); its password is generated. */
    user: string;
    /** Server parameters passed as `-c name=value`. */
    settings: Readonly<Record<string, string | number>>;
    /** Extensions created on first start (`CREATE EXTENSION IF NOT EXISTS`). */
    extensions: readonly string[];
    /** Memory limit and reservation per task (dropit:postgres.memoryMb, .memoryReservationMb). */
    memory: ServiceMemory;
    /** ID of dokploy-network (DokployHost.networkId). */
    networkId: pulumi.Input<string>;
    /** How the service is reached on dokploy-network (default vip; dnsrr on kernels without IPVS). */
    endpointMode?: EndpointMode;
    /** Registry credentials for pulling the image (DokployHost.registryAuth). */
    auth?: docker.types.input.ServiceAuth;
    /** SSH to the VPS, for what happens on the host: the version guard and the backups. */
    connection: command.types.input.remote.ConnectionArgs;
    /** What must exist on the host first (Docker, Dokploy). */
    hostReady: pulumi.Resource[];
    /**
     * Nightly dumps on the host (schedule, retention, directory); `enabled: false` installs none.
     * `offsite`: restic copies of each dump; `restoreFrom`: disaster recovery from that snapshot.
     */
    backups: Omit<BackupSettings, "database" | "user"> & { enabled: boolean; offsite?: OffsiteSettings; restoreFrom?: string };
    /** Secrets of the offsite copies and the alarm (dropit:offsiteCredentials, offsiteSshKey, offsitePassword, backupPingUrl). */
    backupSecrets?: {
        credentials?: pulumi.Input<string>;
        sshKey?: pulumi.Input<string>;
        /** An existing repository's password; without it one is generated. */
        repositoryPassword?: pulumi.Input<string>;
        pingUrl?: pulumi.Input<string>;
    };
    /** With several nodes: pinned to the node that holds the data volumes. */
    cluster?: ClusterPlacement;
}

const DATA_DIR = "/var/lib/postgresql/data";
/** PGDATA inside the volume (a subdirectory: initdb wants an empty directory, not a mount point). */
const PGDATA_SUBDIR = "pgdata";

export class PostgresService extends pulumi.ComponentResource {
    /** DNS name of the service on the network. */
    readonly host = POSTGRES_SERVICE;
    readonly port = 5432;
    readonly database: string;
    readonly user: string;
    /** URL-safe: the API concatenates it into a connection URL unencoded. */
    readonly password: pulumi.Output<string>;
    readonly image: string;
    readonly service: docker.Service;
    /** The installed backup command, when backups are enabled (the API's pre-rollout dump needs it). */
    readonly backups?: command.remote.Command;
    /** The offsite repository's password, when offsite copies are configured: lose it and the copies are unreadable. */
    readonly offsitePassword?: pulumi.Output<string>;
    /** One line: where the backups go (local only, or which repository). */
    readonly backupSummary: string;
    /** What the API waits for: the service, or the disaster-recovery restore that follows it. */
    readonly readyForApi: pulumi.Resource;

    constructor(name: string, args: PostgresServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dropit:index:PostgresService", name, {}, opts);
        // The Docker provider comes through `opts.providers` (index.ts): children inherit it from their parent.
        const child = { parent: this };
        this.database = args.database;
        this.user = args.user;
        this.image = `postgres:${args.version}-alpine`;

        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
        this.password = password.result;

        const guard = new command.remote.Command(
            `${name}-version-guard`,
            {
                connection: args.connection,
                ...NO_PREVIOUS_OUTPUT_IN_ENV,
                create: renderMajorVersionGuard(POSTGRES_VOLUME, args.version, PGDATA_SUBDIR),
            },
            { parent: this, dependsOn: args.hostReady },
        );

        // Kept by retainOnDelete alone: `pulumi destroy` (and a replacement) drop it from the state
        // without deleting it, and creating a volume whose name exists returns that volume. Not
        // `protect`: the engine refuses to destroy a protected resource, and `--exclude-protected`
        // would also skip everything it depends on, Dokploy's opt-in uninstall included.
        // No version label: a changed label would plan a replacement of this volume for nothing.
        const volume = new docker.Volume(`${name}-data`, { name: POSTGRES_VOLUME }, { ...child, retainOnDelete: true, dependsOn: [guard] });

        // Runs only when the data directory is empty (first start on a new volume).
        const initSql = contentAddressedConfig(
            `${name}-init-sql`,
            "dropit-postgres-init",
            renderInitSql(args.extensions),
            { connection: args.connection, ready: args.hostReady },
            child,
        );

        this.service = new docker.Service(
            `${name}-service`,
            swarmServiceArgs({
                name: POSTGRES_SERVICE,
                image: this.image,
                networkId: args.networkId,
                endpointMode: args.endpointMode,
                auth: args.auth,
                env: {
                    POSTGRES_DB: args.database,
                    POSTGRES_USER: args.user,
                    POSTGRES_PASSWORD: password.result,
                    PGDATA: `${DATA_DIR}/${PGDATA_SUBDIR}`,
                },
                args: renderServerArgs(args.settings),
                mounts: [{ type: "volume", source: volume.name, target: DATA_DIR }],
                configs: [
                    {
                        configId: initSql.id,
                        configName: initSql.name,
                        fileName: "/docker-entrypoint-initdb.d/10-extensions.sql",
                    },
                ],
                healthcheck: {
                    tests: ["CMD-SHELL", `pg_isready -h 127.0.0.1 -U ${args.user} -d ${args.database}`],
                    interval: swarmDuration(10),
                    timeout: swarmDuration(5),
                    startPeriod: swarmDuration(30),
                    retries: 5,
                },
                memory: args.memory,
                onManager: true,
                cluster: args.cluster,
                updateConfig: STOP_FIRST_UPDATE,
                stopGracePeriod: swarmDuration(60),
            }),
            swarmServiceOptions({ ...child, dependsOn: [guard, ...(args.cluster?.ready ?? [])] }),
        );

        const { offsite, restoreFrom, ...local } = args.backups;
        this.backupSummary = args.backups.enabled
            ? offsiteSummary(offsite, local.directory)
            : "no database backups (dropit:postgres.backups.enabled is false)";
        this.readyForApi = this.service;
        if (args.backups.enabled) {
            const backups = new command.remote.Command(
                `${name}-backups`,
                {
                    connection: args.connection,
                    ...NO_PREVIOUS_OUTPUT_IN_ENV,
                    create: renderInstallBackups({ ...local, database: args.database, user: args.user }),
                },
                { parent: this, dependsOn: args.hostReady },
            );
            this.backups = backups;
            const secrets = args.backupSecrets ?? {};
            if (offsite || secrets.pingUrl) {
                let repositoryPassword: pulumi.Input<string> | undefined;
                if (offsite) {
                    repositoryPassword =
                        secrets.repositoryPassword ??
                        new random.RandomPassword(`${name}-offsite-password`, { length: 40, special: false }, { parent: this }).result;
                    this.offsitePassword = pulumi.secret(repositoryPassword);
                }
                const secretFile = pulumi
                    .all([repositoryPassword, secrets.credentials, secrets.sshKey, secrets.pingUrl])
                    .apply(([password, credentials, sshKey, pingUrl]) =>
                        renderOffsiteSecrets(offsite, { repositoryPassword: password, credentials, sshKey, pingUrl }),
                    );
                const offsiteInstall = new command.remote.Command(
                    `${name}-offsite`,
                    {
                        connection: args.connection,
                        ...NO_PREVIOUS_OUTPUT_IN_ENV,
                        create: renderInstallOffsite(offsite, local.directory),
                        // Repository, password, credentials, ping URL: on stdin, secret in the state.
                        stdin: pulumi.secret(secretFile),
                    },
                    { parent: this, dependsOn: [backups] },
                );
                if (offsite && restoreFrom) {
                    // After the database runs, before the API (index.ts: readyForApi). `triggers`:
                    // a deliberately changed snapshot replaces the command, i.e. restores again
                    // (into an empty database only); an unchanged one never runs twice.
                    this.readyForApi = new command.remote.Command(
                        `${name}-offsite-restore`,
                        {
                            connection: args.connection,
                            ...NO_PREVIOUS_OUTPUT_IN_ENV,
                            create: renderRestoreOffsite(restoreFrom, STATE_DIR),
                            triggers: [restoreFrom],
                        },
                        { parent: this, dependsOn: [offsiteInstall, this.service] },
                    );
                }
            }
        }
        this.registerOutputs({ host: this.host, port: this.port });
    }
}
