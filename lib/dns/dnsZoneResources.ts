/**
 * The resources `DnsZone` registers for its records: in `infomaniak` mode one `DnsRecord` per
 * desired record (A and/or AAAA per name, plus the optional CAA record), and in both modes the
 * propagation wait, over the same records, that every certificate-requesting route depends on.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DnsRecordSpec } from "../../renderers/dnsRecords";
import { DnsRecord } from "../infomaniak/dnsRecord";
import { DnsPropagation } from "./dnsPropagation";
import type { ExpectedName } from "./propagation";

/** Allows only Let's Encrypt to issue certificates for the zone (RFC 8659 `issue` tag). */
export const LETS_ENCRYPT_CAA = "0 issue \"letsencrypt.org\"";

export interface DnsResourcesArgs {
    zone: string;
    /** The desired A and AAAA records (renderers/dnsRecords.ts): managed, then waited for. */
    records: readonly DnsRecordSpec[];
    /** TTL of the CAA record. */
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
    /** dropit:dns.propagationTimeoutSeconds and propagationPollSeconds (defaults: config/schema.ts). */
    propagationTimeoutSeconds: number;
    propagationPollSeconds: number;
    publicResolver?: string;
    /** Printed when the wait starts (manual mode: the records to create). */
    instructions?: string;
}

/** Registers the records and the wait as children of `parent`; returns what routes must wait for. */
export function registerDnsResources(parent: pulumi.Resource, args: DnsResourcesArgs): pulumi.Resource[] {
    const records = args.provider === "infomaniak" ? registerRecords(parent, args) : [];
    const expected: ExpectedName[] = args.records.map((record) => ({ fqdn: record.fqdn, type: record.type, address: record.value }));
    const propagation = new DnsPropagation("dns-propagation", {
        zone: args.zone,
        names: expected,
        nameservers: args.nameservers,
        publicResolver: args.publicResolver,
        timeoutSeconds: args.propagationTimeoutSeconds,
        pollSeconds: args.propagationPollSeconds,
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
    const record = (source: string, type: "A" | "AAAA" | "CAA", target: string, ttl: number) =>
        new DnsRecord(`dns-${type.toLowerCase()}-${source === "@" ? "apex" : source}`,
            { zone: args.zone, source, type, target, ttl, token, apiUrl: args.apiUrl, adopt: adopts(source) }, { parent });
    return [
        ...args.records.map((desired) => record(desired.name, desired.type, desired.value, desired.ttl)),
        ...(args.caa ? [record("@", "CAA", LETS_ENCRYPT_CAA, args.ttl)] : []),
    ];
}
