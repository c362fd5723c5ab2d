/** The DNS records the deployment needs: one A record per public name, all at the VPS. */

export interface DnsRecordSpec {
    /** Relative to the zone; `@` is the apex. */
    name: string;
    fqdn: string;
    type: "A" | "AAAA";
    value: string;
    ttl: number;
}

export interface PublicNames {
    domain: string;
    /** The zone holding the domain (defaults to the domain itself). */
    zone: string;
    /** Subdomain labels under the domain, e.g. api, traefik, dokploy. */
    subdomains: readonly string[];
}

export function plannedRecords(names: PublicNames, address: string, ttl: number): DnsRecordSpec[] {
    const type = address.includes(":") ? "AAAA" : "A";
    const fqdns = [names.domain, ...names.subdomains.map((label) => `${label}.${names.domain}`)];
    return fqdns.map((fqdn) => ({ name: relativeName(fqdn, names.zone), fqdn, type, value: address, ttl }));
}

function relativeName(fqdn: string, zone: string): string {
    return fqdn === zone ? "@" : fqdn.slice(0, -(zone.length + 1));
}

/** The table printed for manual mode: what to type in Infomaniak's panel. */
export function manualInstructions(records: readonly DnsRecordSpec[], zone: string): string {
    const lines = records.map((record) => `  ${record.type.padEnd(4)} ${record.name.padEnd(10)} ${record.value}  TTL ${record.ttl}`);
    return [`Create these records in Infomaniak's panel (Domains → ${zone} → DNS zone); keep NS, MX and TXT as they are:`, ...lines].join("\n");
}
