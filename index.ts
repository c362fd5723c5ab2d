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
import { HostWatchdog } from "./components/hostWatchdog";
import { DokployNotification } from "./providers/dokploy/notification";
import { PostgresService } from "./components/postgresService";
import { RedisService } from "./components/redisService";
import { SwarmCluster } from "./components/swarmCluster";
import { TypesenseService } from "./components/typesenseService";
import { readStackConfig } from "./config/pulumiConfig";
import { dnsZoneArgs, swarmClusterArgs } from "./config/componentArgs";
import { API_SERVICE, WEB_SERVICE } from "./config/names";
import { isMultiNode, swarmAddress } from "./config/nodes";
import { memoryBudget } from "./config/memoryBudget";
import { imagePlan } from "./config/imageDelivery";
import { appImageDelivery } from "./lib/appImage";
import { renderDeploymentOutput } from "./renderers/deploymentOutputs";
import { DATA_NODE_CONSTRAINT } from "./renderers/swarmNodes";
import { DNSRR_TASK_LIST_SECONDS } from "./renderers/traefik";
import { dokployNotificationArgs, watchdogParameters } from "./config/componentArgs";

const { settings, secrets, monitoringSecrets, appSource } = readStackConfig(__dirname);
const { domain, subdomains } = settings;
const hosts = {
    api: `${subdomains.api}.${domain}`,
    traefik: `${subdomains.traefik}.${domain}`,
    dokploy: `${subdomains.dokploy}.${domain}`,
};

const dns = new DnsZone("dns", dnsZoneArgs(settings, secrets));
const registry =
    settings.registry.username && secrets.registryPassword
        ? { server: settings.registry.server, username: settings.registry.username, password: secrets.registryPassword }
        : undefined;
const multiNode = isMultiNode(settings);
const images = imagePlan(settings);

const dokploy = new DokployHost("dokploy", {
    server: { ...settings.server, privateKey: secrets.sshPrivateKey },
    version: settings.dokploy.version,
    dockerVersion: settings.dokploy.dockerVersion,
    installerUrl: settings.dokploy.installerUrl,
    acmeEmail: settings.acmeEmail,
    registry,
    panelHost: hosts.dokploy,
    dashboardHost: hosts.traefik,
    adminEmail: settings.dokploy.adminEmail ?? settings.acmeEmail,
    certificateGate: dns.readiness,
    firewallSshPort: settings.firewall.sshPort,
    uninstallOnDestroy: settings.dokploy.uninstallOnDestroy,
    swarmAddress: multiNode ? swarmAddress(settings.server) : undefined,
    swarmRefreshSeconds: settings.swarm.endpointMode === "dnsrr" ? DNSRR_TASK_LIST_SECONDS : undefined,
});
// Everything on the VPS goes through this provider, which exists only once Dokploy does: each
// component hands it to its children through the resource options.
const onVps: pulumi.ComponentResourceOptions = { providers: [dokploy.dockerProvider] };
const endpointMode = settings.swarm.endpointMode;
const network = { networkId: dokploy.networkId, endpointMode, auth: dokploy.registryAuth };

const connection = dokploy.connection;

// With dropit:nodes, the other machines join the Swarm (docs/nodes.md): stateful services stay
// on the first server (it holds their volumes), the API and web spread, their images go
// through the registry.
const cluster = multiNode
    ? new SwarmCluster("swarm", swarmClusterArgs(settings, secrets, { connection, ready: [dokploy], registry }))
    : undefined;
const onDataNode = cluster ? { constraints: [DATA_NODE_CONSTRAINT], ready: cluster.ready } : undefined;
const spread = cluster ? { maxReplicasPerNode: settings.cluster.maxReplicasPerNode, ready: cluster.ready } : undefined;
// Where the app images are built and how they reach the VPS (config/imageDelivery.ts, docs/images.md).
const imageDelivery = appImageDelivery(images, {
    registry,
    tunnelPort: settings.app.tunnelPort,
    server: { ...settings.server, privateKey: secrets.sshPrivateKey },
    ready: [dokploy],
});
const pullAuth = images.delivery === "registry" ? dokploy.registryAuth : undefined;
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
        cluster: onDataNode,
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
        cluster: spread,
        memory: memoryOf("api"),
        appSource,
        dockerfile: settings.app.dockerfile,
        images: imageDelivery,
        pullAuth,
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
        endpointMode,
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
        cluster: spread,
        memory: memoryOf("web"),
        appSource,
        dockerfile: settings.app.webDockerfile,
        images: imageDelivery,
        pullAuth,
        assetBridge: settings.web.assetBridge,
        networkId: dokploy.networkId,
        endpointMode,
        certificateGate: dns.readiness,
        connection,
        hostReady: [dokploy],
    },
    onVps,
);

cluster?.rebalance([
    { name: API_SERVICE, service: api.service },
    { name: WEB_SERVICE, service: web.service },
]);

const redis = settings.redis.enabled
    ? new RedisService("redis", { ...network, memory: memoryOf("redis"), cluster: onDataNode }, onVps)
    : undefined;
const typesense = settings.typesense.enabled
    ? new TypesenseService(
          "typesense",
          { ...network, version: settings.typesense.version, memory: memoryOf("typesense"), cluster: onDataNode },
          onVps,
      )
    : undefined;

// After the services exist: a watchdog installed first would alert on a stack still being created.
const watchdog = settings.monitoring.enabled
    ? new HostWatchdog("watchdog", {
          connection,
          hostReady: [dokploy, postgres, api, web],
          parameters: watchdogParameters(settings, hosts.api),
          alertUrl: monitoringSecrets.alertUrl,
          heartbeatUrl: monitoringSecrets.heartbeatUrl,
      })
    : undefined;

// Dokploy's own notifications, to the same URL, where the user gave the panel's API key.
const notificationArgs = dokployNotificationArgs(settings, monitoringSecrets, hosts.dokploy);
const dokployNotification = notificationArgs
    ? new DokployNotification("dokploy-notifications", notificationArgs, { dependsOn: [dokploy] })
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

/** With dropit:nodes: every machine of the Swarm, its role, and which runs the router (DNS points at it) and holds the data. */
export const nodes = cluster?.members;

/** Where the images are built and how they reach the VPS, in one line (also printed by `npm run plan`). */
export const imageBuild = images.summary;

/** Memory per service (MiB): limits and reservations against the host and Dokploy's share; `npm run plan` prints it. */
export const memory = budget;

/** What the watchdog checks every minute and where its alerts go (docs/monitoring.md); the URLs are the secret outputs below. */
export const monitoring = watchdog ? watchdog.summary : { enabled: false };
export const monitoringAlertUrl = monitoringSecrets.alertUrl;
export const monitoringHeartbeatUrl = monitoringSecrets.heartbeatUrl;
/** Dokploy's notification created through its API (dokploy.apiKey), or undefined. */
export const dokployNotifications = dokployNotification
    ? { name: notificationArgs?.name, events: notificationArgs?.events, notificationId: dokployNotification.notificationId }
    : undefined;

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
/**
 * The first server's Docker provider: when that server is lost, `pulumi state delete
 * --target-dependents` of it forgets the containers, volume and services that were on it, so the
 * next `up` creates them on the new server (docs/backups.md, "Disaster recovery").
 */
export const serverDockerProvider = dokploy.dockerProvider.urn;
/** The Dokploy owner account (email: dokploy.adminEmail, default acmeEmail), created by `pulumi up`. */
export const dokployAdminPassword = dokploy.adminPassword;
/** Traefik's dashboard at traefik.<domain>, user `admin`. */
export const traefikDashboardPassword = dokploy.dashboardPassword;
