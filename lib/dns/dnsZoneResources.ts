/**
 * The resources `DnsZone` registers for its records: in `infomaniak` mode one `DnsRecord` per
 * name (plus the optional CAA and AAAA records), and in both modes the propagation wait that
 * every certificate-requesting route depends on.
 */
import * as pulumi from "@pulumi/pulumi";
import { DnsRecord } from "../infomaniak/dnsRecord";
import { DnsPropagation } from "./dnsPropagation";
import type { ExpectedName } from "./propagation";

/** Allows only Let's Encrypt to issue certificates for the zone (RFC 8659 `issue` tag). */
export const LETS_ENCRYPT_CAA = "0 issue \"letsencrypt.org\"";

export interface PlannedName {
    /** Relative to the zone, "@" for the apex. */
    name: string;
    fqdn: string;
}

export interface DnsResourcesArgs {
    zone: string;
    names: readonly PlannedName[];
    /** The server's IPv4 address (A records). */
    address: string;
    /** The server's IPv6 address: AAAA records too when set. */
    ipv6?: string;
    ttl: number;
    provider: "manual" | "infomaniak";
    /** Required in `infomaniak` mode; kept secret. */
    token?: pulumi.Input<string>;
    /** `true` adopts every name, a list the names given ("@" for the apex). */
    adoptExisting?: boolean | readonly string[];
    caa?: boolean;
    /** Infomaniak's API base URL; its public address by default. */
    apiUrl?: string;
    /** DNS servers to check (`ip` or `ip:port`); by default the zone's NS, looked up at apply time. */
    nameservers?: string[];
    propagationTimeoutSeconds?: number;
    propagationPollSeconds?: number;
    publicResolver?: string;
    /** Printed when the wait starts (manual mode: the records to create). */
    instructions?: string;
}

/** Registers the records and the wait as children of `parent`; returns what routes must wait for. */
export function registerDnsResources(parent: pulumi.Resource, args: DnsResourcesArgs): pulumi.Resource[] {
    const records = args.provider === "infomaniak" ? registerRecords(parent, args) : [];
    const expected: ExpectedName[] = args.names.flatMap((planned) => [
        { fqdn: planned.fqdn, type: "A" as const, address: args.address },
        ...(args.ipv6 ? [{ fqdn: planned.fqdn, type: "AAAA" as const, address: args.ipv6 }] : []),
    ]);
    const propagation = new DnsPropagation("dns-propagation", {
        zone: args.zone,
        names: expected,
        nameservers: args.nameservers,
        publicResolver: args.publicResolver,
        timeoutSeconds: args.propagationTimeoutSeconds ?? 600,
        pollSeconds: args.propagationPollSeconds ?? 10,
        instructions: args.instructions,
    }, { parent, dependsOn: records });
    return [propagation];
}

function registerRecords(parent: pulumi.Resource, args: DnsResourcesArgs): DnsRecord[] {
    if (args.token === undefined) {
        throw new Error("dropit:infomaniakToken is required when dropit:dns.provider is infomaniak.");
    }
    const token = args.token;
    const adopts = (name: string) => args.adoptExisting === true || (Array.isArray(args.adoptExisting) && args.adoptExisting.includes(name));
    const record = (resourceName: string, source: string, type: "A" | "AAAA" | "CAA", target: string) =>
        new DnsRecord(resourceName, { zone: args.zone, source, type, target, ttl: args.ttl, token, apiUrl: args.apiUrl, adopt: adopts(source) }, { parent });
    const label = (name: string) => (name === "@" ? "apex" : name);
    return [
        ...args.names.map((planned) => record(`dns-a-${label(planned.name)}`, planned.name, "A", args.address)),
        ...(args.ipv6 ? args.names.map((planned) => record(`dns-aaaa-${label(planned.name)}`, planned.name, "AAAA", args.ipv6!)) : []),
        ...(args.caa ? [record("dns-caa-apex", "@", "CAA", LETS_ENCRYPT_CAA)] : []),
    ];
}
