/**
 * The public names of the deployment: the apex, api, traefik and dokploy, all at the VPS (A
 * records at an IPv4 host, AAAA records at an IPv6 host or at server.ipv6). In `infomaniak`
 * mode they are managed through Infomaniak's API (only the records we create or adopt); in
 * `manual` mode no API is called: the records are outputs and instructions. In both modes a
 * wait checks that the names resolve before any certificate is requested.
 */
import * as pulumi from "@pulumi/pulumi";
import { DnsResourcesArgs, registerDnsResources } from "../lib/dns/dnsZoneResources";
import { DnsRecordSpec, manualInstructions, plannedRecords } from "../renderers/dnsRecords";

/** The record options are those of the resources DnsZone registers (lib/dns/dnsZoneResources.ts). */
export interface DnsZoneArgs extends Pick<DnsResourcesArgs,
    "ttl" | "provider" | "token" | "adoptExisting" | "caa" |
    "propagationTimeoutSeconds" | "propagationPollSeconds" | "publicResolver" | "apiUrl" | "nameservers"> {
    /** `server.host`: IPv4 (A records) or IPv6 (AAAA records). */
    address: string;
    /** `server.ipv6`: AAAA records beside the A records of an IPv4 host. */
    ipv6?: string;
    domain: string;
    /** Zone at Infomaniak holding the domain; defaults to the domain. */
    zone?: string;
    /** Subdomain labels that must resolve to the server. */
    subdomains: readonly string[];
}

export class DnsZone extends pulumi.ComponentResource {
    /** The records the deployment needs, known before anything is created. */
    readonly records: DnsRecordSpec[];
    readonly zone: string;
    /**
     * What every Traefik route that asks Let's Encrypt for a certificate must wait for:
     * Traefik never retries a failed challenge.
     */
    readonly readiness: pulumi.Resource[] = [];

    constructor(name: string, args: DnsZoneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dropit:index:DnsZone", name, {}, opts);
        this.zone = args.zone ?? args.domain;
        // One list: the managed records, the wait, the instructions and the output all come from it.
        this.records = plannedRecords({ domain: args.domain, zone: this.zone, subdomains: args.subdomains }, { host: args.address, ipv6: args.ipv6 }, args.ttl);
        this.readiness.push(...registerDnsResources(this, {
            ...args,
            zone: this.zone,
            records: this.records,
            // Manual mode: the wait prints what to create in the panel, then polls until it resolves.
            instructions: args.provider === "manual" ? manualInstructions(this.records, this.zone) : undefined,
        }));
        this.registerOutputs({ records: this.records, zone: this.zone });
    }
}
