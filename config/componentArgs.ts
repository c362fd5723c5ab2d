/** Component arguments derived from the stack configuration, shared by every program that builds them. */
import type { DnsZoneArgs } from "../components/dnsZone";
import type { SwarmClusterArgs } from "../components/swarmCluster";
import { swarmAddress } from "./nodes";
import type { StackConfig } from "./pulumiConfig";

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
        registry: first.registry,
        hostReady: first.ready,
    };
}
