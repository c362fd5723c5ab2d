/**
 * The public names of the deployment: the apex, api, traefik and dokploy, all at the VPS (A
 * records at an IPv4 host, AAAA records at an IPv6 host or at `ipv6`). In `infomaniak` mode
 * they are managed through Infomaniak's API (only the records we create or adopt), one
 * `DnsRecord` child per record; in `manual` mode no API is called: the records are outputs and
 * instructions. In both modes a child wait checks that the names resolve before any
 * certificate is requested.
 *
 * Children are named after the component: `<name>-a-api`, `<name>-aaaa-apex`, `<name>-caa-apex`,
 * `<name>-propagation` (for the component named "dns", the names stacks already hold).
 */
import * as pulumi from "@pulumi/pulumi";
import { DnsPropagation } from "../providers/dnsPropagation/dnsPropagation";
import { DnsRecord } from "../providers/infomaniak/dnsRecord";
import { AddressRecordSpec, caaRecord, DnsRecordSpec, manualInstructions, plannedRecords } from "../renderers/dnsRecords";

export interface DnsZoneArgs {
    /** The apex domain, e.g. dropit-app.fr. Plain: the records are planned from it before anything exists. */
    domain: string;
    /** Zone at Infomaniak holding the domain; defaults to the domain. */
    zone?: string;
    /** Subdomain labels that must resolve to the server, e.g. api, traefik, dokploy. */
    subdomains: readonly string[];
    /** The server's address: IPv4 (A records) or IPv6 (AAAA records only). */
    address: string;
    /** An IPv6 address for AAAA records beside the A records of an IPv4 `address`. */
    ipv6?: string;
    /** TTL of every record, in seconds. */
    ttl: number;
    /** `infomaniak`: the records are managed through Infomaniak's API; `manual`: they are printed, then waited for. */
    mode: "manual" | "infomaniak";
    /** Infomaniak API token (scopes dns:read and dns:write); required in `infomaniak` mode, kept secret. */
    token?: pulumi.Input<string>;
    /** `true` adopts every existing record of a planned name and type, a list only those names ("@" for the apex). */
    adoptExisting?: boolean | readonly string[];
    /** Add a CAA record that lets only Let's Encrypt issue certificates (`infomaniak` mode). */
    caa?: boolean;
    /** Infomaniak's API base URL; its public address by default (tests point it at a fake). */
    apiUrl?: pulumi.Input<string>;
    /** DNS servers to check (`ip` or `ip:port`); by default the zone's NS, looked up at apply time. */
    nameservers?: pulumi.Input<string[]>;
    /** Longest wait for the names to resolve, in seconds (dropit:dns.propagationTimeoutSeconds). */
    propagationTimeoutSeconds: pulumi.Input<number>;
    /** Pause between two rounds of the wait, in seconds (dropit:dns.propagationPollSeconds). */
    propagationPollSeconds: pulumi.Input<number>;
    /** Also require this resolver (`ip` or `ip:port`, e.g. 1.1.1.1) to answer correctly. */
    publicResolver?: pulumi.Input<string>;
}

export class DnsZone extends pulumi.ComponentResource {
    /** The A and AAAA records the deployment needs, known before anything is created. */
    readonly records: AddressRecordSpec[];
    readonly zone: string;
    /**
     * What every Traefik route that asks Let's Encrypt for a certificate must wait for:
     * Traefik never retries a failed challenge.
     */
    readonly readiness: pulumi.Resource[];

    constructor(name: string, args: DnsZoneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dropit:index:DnsZone", name, {}, opts);
        this.zone = args.zone ?? args.domain;
        // One list: the managed records, the wait, the instructions and the output all come from it.
        this.records = plannedRecords(
            { domain: args.domain, zone: this.zone, subdomains: args.subdomains },
            { host: args.address, ipv6: args.ipv6 },
            args.ttl,
        );
        const managed =
            args.mode === "infomaniak"
                ? [...this.records, ...(args.caa ? [caaRecord(this.zone, args.ttl)] : [])].map((record) => this.manage(name, record, args))
                : [];
        const propagation = new DnsPropagation(
            `${name}-propagation`,
            {
                zone: this.zone,
                names: this.records.map(({ fqdn, type, value }) => ({ fqdn, type, value })),
                nameservers: args.nameservers,
                publicResolver: args.publicResolver,
                timeoutSeconds: args.propagationTimeoutSeconds,
                pollSeconds: args.propagationPollSeconds,
                // Manual mode: the wait prints what to create in the panel, then polls until it resolves.
                instructions: args.mode === "manual" ? manualInstructions(this.records, this.zone) : undefined,
            },
            { parent: this, dependsOn: managed },
        );
        this.readiness = [propagation];
        this.registerOutputs({ records: this.records, zone: this.zone });
    }

    /** One record at Infomaniak, in the API's words (source, target), named `<zone component>-<type>-<name>`. */
    private manage(name: string, record: DnsRecordSpec, args: DnsZoneArgs): DnsRecord {
        if (args.token === undefined) throw new Error("DnsZone: a token is required in infomaniak mode.");
        const adopt = args.adoptExisting === true || (Array.isArray(args.adoptExisting) && args.adoptExisting.includes(record.name));
        return new DnsRecord(
            `${name}-${record.type.toLowerCase()}-${record.name === "@" ? "apex" : record.name}`,
            {
                zone: this.zone,
                source: record.name,
                type: record.type,
                target: record.value,
                ttl: record.ttl,
                token: args.token,
                apiUrl: args.apiUrl,
                adopt,
            },
            { parent: this },
        );
    }
}
