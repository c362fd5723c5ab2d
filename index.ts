/**
 * DropIt on one Debian VPS with Dokploy: reads the configuration, wires the components in the
 * order reality needs (DNS before certificates, Dokploy before the Docker provider, the database
 * before the API, the API before the web build: docs/architecture.md) and exports the outputs CI reads.
 */
import * as pulumi from "@pulumi/pulumi";
import { ApiService } from "./components/apiService";
import { DnsZone } from "./components/dnsZone";
import { DokployHost } from "./components/dokployHost";
import { FrontendSite } from "./components/frontendSite";
import { PostgresService } from "./components/postgresService";
import { RedisService } from "./components/redisService";
import { TypesenseService } from "./components/typesenseService";
import { readStackConfig } from "./config/pulumiConfig";
import { dnsZoneArgs } from "./config/componentArgs";
import { memoryBudget } from "./config/memoryBudget";
import { renderDeploymentOutput } from "./renderers/deploymentOutputs";

const { settings, secrets, appSource } = readStackConfig(__dirname);
const { domain, subdomains } = settings;
const hosts = {
    api: `${subdomains.api}.${domain}`,
    traefik: `${subdomains.traefik}.${domain}`,
    dokploy: `${subdomains.dokploy}.${domain}`,
};

const dns = new DnsZone("dns", dnsZoneArgs(settings, secrets));

const dokploy = new DokployHost("dokploy", {
    server: { ...settings.server, privateKey: secrets.sshPrivateKey },
    version: settings.dokploy.version,
    dockerVersion: settings.dokploy.dockerVersion,
    installerUrl: settings.dokploy.installerUrl,
    acmeEmail: settings.acmeEmail,
    registry:
        settings.registry.username && secrets.registryPassword
            ? { server: settings.registry.server, username: settings.registry.username, password: secrets.registryPassword }
            : undefined,
    panelHost: hosts.dokploy,
    dashboardHost: hosts.traefik,
    adminEmail: settings.dokploy.adminEmail ?? settings.acmeEmail,
    certificateGate: dns.readiness,
    firewallSshPort: settings.firewall.sshPort,
    uninstallOnDestroy: settings.dokploy.uninstallOnDestroy,
});
// Everything on the VPS goes through this provider, which exists only once Dokploy does: each
// component hands it to its children through the resource options.
const onVps: pulumi.ComponentResourceOptions = { providers: [dokploy.dockerProvider] };
const network = { networkId: dokploy.networkId, auth: dokploy.registryAuth };

const connection = dokploy.connection;
/** Memory per task of each service, from the budget the configuration was checked against (config/memoryBudget.ts). */
const budget = memoryBudget(settings);
const memoryOf = (key: "postgres" | "api" | "web" | "redis" | "typesense") => {
    const row = budget.rows.find((candidate) => candidate.key === key);
    if (!row) throw new Error(`no memory budget for ${key}`);
    return { limitMb: row.limitMb, reservationMb: row.reservationMb };
};

const postgres = new PostgresService(
    "postgres",
    {
        ...settings.postgres,
        memory: memoryOf("postgres"),
        ...network,
        connection,
        hostReady: [dokploy],
        backupSecrets: {
            credentials: secrets.offsiteCredentials,
            sshKey: secrets.offsiteSshKey,
            repositoryPassword: secrets.offsitePassword,
            pingUrl: secrets.backupPingUrl,
        },
    },
    onVps,
);

const webOrigin = `https://${domain}`;
const api = new ApiService(
    "api",
    {
        host: hosts.api,
        webOrigin,
        port: settings.api.port,
        healthPath: settings.api.healthPath,
        replicas: settings.api.replicas,
        memory: memoryOf("api"),
        appSource,
        dockerfile: settings.app.dockerfile,
        database: {
            service: postgres.readyForApi,
            host: postgres.host,
            port: postgres.port,
            user: postgres.user,
            name: postgres.database,
            password: postgres.password,
        },
        brevo: secrets.brevoApiKey
            ? { apiKey: secrets.brevoApiKey, fromEmail: settings.api.brevoFromEmail, fromName: settings.api.brevoFromName }
            : undefined,
        seedDemoData: settings.api.seedDemoData,
        connection,
        preDeployBackup: postgres.backups ? { connection, installed: postgres.backups } : undefined,
        networkId: dokploy.networkId,
        certificateGate: dns.readiness,
    },
    onVps,
);

const web = new FrontendSite(
    "web",
    {
        host: domain,
        apiUrl: api.url,
        replicas: settings.web.replicas,
        memory: memoryOf("web"),
        appSource,
        networkId: dokploy.networkId,
        certificateGate: dns.readiness,
        connection,
    },
    onVps,
);

const redis = settings.redis.enabled ? new RedisService("redis", { ...network, memory: memoryOf("redis") }, onVps) : undefined;
const typesense = settings.typesense.enabled
    ? new TypesenseService("typesense", { ...network, version: settings.typesense.version, memory: memoryOf("typesense") }, onVps)
    : undefined;

export const deployment = pulumi.all([api.imageName, web.imageName]).apply(([apiImage, webImage]) =>
    renderDeploymentOutput({
        domain,
        hosts,
        healthPath: settings.api.healthPath,
        serverHost: settings.server.host,
        dnsProvider: settings.dns.provider,
        records: dns.records,
        images: { api: apiImage, web: webImage },
        services: {
            postgres: `${postgres.host}:${postgres.port}`,
            ...(redis ? { redis: `${redis.host}:${redis.port}` } : {}),
            ...(typesense ? { typesense: `${typesense.host}:${typesense.port}` } : {}),
        },
        backups:
            settings.postgres.backups.enabled && settings.postgres.backups.offsite
                ? {
                      maxAgeHours: settings.postgres.backups.offsite.maxAgeHours,
                      ssh: { user: settings.server.user, port: settings.server.port, hostKey: settings.server.hostKey },
                  }
                : undefined,
    }),
);

/** Memory per service (MiB): limits and reservations against the host and Dokploy's share; `npm run plan` prints it. */
export const memory = budget;

/** The records to create by hand in manual mode (also inside `deployment.dns`). */
export const dnsRecords = dns.records;

// Credentials, each a separate secret output (`pulumi stack output --show-secrets <name>`).
export const postgresPassword = pulumi.secret(postgres.password);
export const betterAuthSecret = pulumi.secret(api.betterAuthSecret);
export const redisUrl = redis ? pulumi.secret(redis.url) : undefined;
export const typesenseApiKey = typesense ? pulumi.secret(typesense.apiKey) : undefined;
/** Where the database backups go: "local only", or the offsite repository. */
export const backups = postgres.backupSummary;
/** The offsite repository's password: without it the offsite copies cannot be read (docs/backups.md). */
export const offsiteRepositoryPassword = postgres.offsitePassword;
/** The Dokploy owner account (email: dokploy.adminEmail, default acmeEmail), created by `pulumi up`. */
export const dokployAdminPassword = dokploy.adminPassword;
/** Traefik's dashboard at traefik.<domain>, user `admin`. */
export const traefikDashboardPassword = dokploy.dashboardPassword;
