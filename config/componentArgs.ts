/** Component arguments derived from the stack configuration, shared by every program that builds them. */
import type { DnsZoneArgs } from "../components/dnsZone";
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
