/**
 * The DNS records the deployment needs: per public name, an A record at the server's IPv4
 * address and/or an AAAA record at its IPv6 address. This one list drives the records managed
 * at Infomaniak, the propagation wait, the manual-mode instructions and the `dnsRecords` output.
 */

export type AddressRecordType = "A" | "AAAA";
export type DnsRecordType = AddressRecordType | "CAA";

/**
 * One DNS record as this program plans, manages, waits for and reports it: the one shape from
 * the plan to the `dnsRecords` output. Infomaniak's API spells the same record in its own
 * words (`source`, `target`: providers/infomaniak), and DnsZone translates at that boundary.
 */
export interface DnsRecordSpec<Type extends DnsRecordType = DnsRecordType> {
    /** Relative to the zone; `@` is the apex. */
    name: string;
    fqdn: string;
    type: Type;
    value: string;
    ttl: number;
}

/** An A or AAAA record: what the propagation wait checks and what manual mode lists. */
export type AddressRecordSpec = DnsRecordSpec<AddressRecordType>;

/** Allows only Let's Encrypt to issue certificates for the zone (RFC 8659 `issue` tag). */
export const LETS_ENCRYPT_CAA = '0 issue "letsencrypt.org"';

/** The zone's CAA record at its apex (infomaniak mode, `caa: true`). */
export function caaRecord(zone: string, ttl: number): DnsRecordSpec<"CAA"> {
    return { name: "@", fqdn: zone, type: "CAA", value: LETS_ENCRYPT_CAA, ttl };
}

export interface PublicNames {
    domain: string;
    /** The zone holding the domain (defaults to the domain itself). */
    zone: string;
    /** Subdomain labels under the domain, e.g. api, traefik, dokploy. */
    subdomains: readonly string[];
}

export interface ServerAddresses {
    /** `server.host`: an IPv4 address (A records) or an IPv6 address (AAAA records only). */
    host: string;
    /** `server.ipv6`: AAAA records beside the A records of an IPv4 host. */
    ipv6?: string;
}

export function plannedRecords(names: PublicNames, server: ServerAddresses, ttl: number): AddressRecordSpec[] {
    const fqdns = [names.domain, ...names.subdomains.map((label) => `${label}.${names.domain}`)];
    const ipv4 = isIpv6(server.host) ? undefined : server.host;
    const ipv6 = isIpv6(server.host) ? server.host : server.ipv6;
    const records = (type: AddressRecordType, value: string): AddressRecordSpec[] =>
        fqdns.map((fqdn) => ({ name: relativeName(fqdn, names.zone), fqdn, type, value, ttl }));
    return [...(ipv4 ? records("A", ipv4) : []), ...(ipv6 ? records("AAAA", ipv6) : [])];
}

export function isIpv6(address: string): boolean {
    return address.includes(":");
}

function relativeName(fqdn: string, zone: string): string {
    return fqdn === zone ? "@" : fqdn.slice(0, -(zone.length + 1));
}

/** The table printed for manual mode: what to type in Infomaniak's panel. */
export function manualInstructions(records: readonly AddressRecordSpec[], zone: string): string {
    const lines = records.map((record) => `  ${record.type.padEnd(4)} ${record.name.padEnd(10)} ${record.value}  TTL ${record.ttl}`);
    return [`Create these records in Infomaniak's panel (Domains → ${zone} → DNS zone); keep NS, MX and TXT as they are:`, ...lines].join(
        "\n",
    );
}
