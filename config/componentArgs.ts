/** Component arguments derived from the stack configuration, shared by every program that builds them. */
import type { DnsZoneArgs } from "../components/dnsZone";
import type { SwarmClusterArgs } from "../components/swarmCluster";
import { swarmAddress } from "./nodes";
import type { DokployNotificationArgs } from "../providers/dokploy/notification";
import type { WatchdogParameters } from "../renderers/watchdog";
import { API_SERVICE, POSTGRES_SERVICE, REDIS_SERVICE, TYPESENSE_SERVICE, WEB_SERVICE } from "./names";
import type { MonitoringSecrets, StackConfig } from "./pulumiConfig";

export function dnsZoneArgs(settings: StackConfig["settings"], secrets: StackConfig["secrets"]): DnsZoneArgs {
    const { domain, subdomains, dns, server } = settings;
    return {
        domain,
        zone: dns.zone,
        subdomains: [subdomains.api, subdomains.traefik, subdomains.dokploy],
        address: server.host,
        ipv6: server.ipv6,
        ttl: dns.ttl,
        mode: dns.provider,
        token: secrets.infomaniakToken,
        adoptExisting: dns.adoptExisting,
        caa: dns.caa,
        propagationTimeoutSeconds: dns.propagationTimeoutSeconds,
        propagationPollSeconds: dns.propagationPollSeconds,
        publicResolver: dns.publicResolver,
        nameservers: dns.nameservers,
    };
}

/** The Swarm beyond the first server, from `dropit:nodes` (the same SSH key logs in everywhere). */
export function swarmClusterArgs(
    settings: StackConfig["settings"],
    secrets: StackConfig["secrets"],
    first: {
        connection: SwarmClusterArgs["manager"]["connection"];
        ready: SwarmClusterArgs["hostReady"];
        registry: SwarmClusterArgs["registry"];
    },
): SwarmClusterArgs {
    return {
        manager: { connection: first.connection, host: settings.server.host, address: swarmAddress(settings.server) },
        nodes: settings.nodes.map((node) => ({
            name: node.name,
            server: { host: node.host, port: node.port, user: node.user, hostKey: node.hostKey, privateKey: secrets.sshPrivateKey },
            firewallSshPort: node.firewallSshPort ?? node.port,
            role: node.role,
            labels: node.labels,
            address: swarmAddress(node),
        })),
        dockerVersion: settings.dokploy.dockerVersion,
        maxReplicasPerNode: settings.cluster.maxReplicasPerNode,
        registry: first.registry,
        hostReady: first.ready,
    };
}

/** The watchdog's parameters: dropit:monitoring plus what the stack deploys (its services, health URLs, backups). */
export function watchdogParameters(settings: StackConfig["settings"], apiHost: string): WatchdogParameters {
    const { monitoring, postgres } = settings;
    return {
        hostLabel: settings.domain,
        apiHealthUrl: `https://${apiHost}${settings.api.healthPath}`,
        webHealthUrl: `https://${settings.domain}/`,
        services: [
            POSTGRES_SERVICE,
            API_SERVICE,
            WEB_SERVICE,
            ...(settings.redis.enabled ? [REDIS_SERVICE] : []),
            ...(settings.typesense.enabled ? [TYPESENSE_SERVICE] : []),
        ],
        postgresService: POSTGRES_SERVICE,
        backupDir: postgres.backups.enabled ? postgres.backups.directory : undefined,
        forSeconds: monitoring.forSeconds,
        diskPercent: monitoring.diskPercent,
        inodePercent: monitoring.inodePercent,
        memoryPercent: monitoring.memoryPercent,
        restartsMax: monitoring.restartsMax,
        restartWindowSeconds: monitoring.restartWindowSeconds,
        backupMaxAgeHours: monitoring.backupMaxAgeHours,
        alertFormat: monitoring.alertFormat,
    };
}

/**
 * Dokploy's own notification, sent to monitoring.alertUrl, when the panel's API key is set
 * (config/load.ts requires the URL then): an ntfy channel for the ntfy format, a custom webhook
 * for json. Undefined without a key.
 */
export function dokployNotificationArgs(
    settings: StackConfig["settings"],
    monitoringSecrets: MonitoringSecrets,
    panelHost: string,
): DokployNotificationArgs | undefined {
    const { dokployApiKey, alertUrl } = monitoringSecrets;
    if (!dokployApiKey || !alertUrl) return undefined;
    return {
        apiUrl: `https://${panelHost}/api`,
        apiKey: dokployApiKey,
        name: "dropit-alerts",
        channel: settings.monitoring.alertFormat === "ntfy" ? "ntfy" : "custom",
        targetUrl: alertUrl,
        priority: settings.dokploy.notifications.priority,
        events: settings.dokploy.notifications.events,
    };
}
