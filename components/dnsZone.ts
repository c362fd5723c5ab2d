/**
 * The public names of the deployment: A records for the apex, api, traefik and dokploy, all at
 * the VPS. In `infomaniak` mode they are managed through Infomaniak's API (only the records we
 * create or adopt); in `manual` mode no API is called: the records are outputs and instructions.
 * In both modes a wait checks that the names resolve before any certificate is requested.
 */
import * as pulumi from "@pulumi/pulumi";
import { registerDnsResources } from "../lib/dns/dnsZoneResources";
import { DnsRecordSpec, manualInstructions, plannedRecords } from "../renderers/dnsRecords";

export interface DnsZoneArgs {
    domain: string;
    /** Zone at Infomaniak holding the domain; defaults to the domain. */
    zone?: string;
    /** Subdomain labels that must resolve to the server. */
    subdomains: readonly string[];
    /** The VPS's public address. */
    address: string;
    /** The VPS's IPv6 address: AAAA records and checks too when set. */
    ipv6?: string;
    ttl: number;
    provider: "manual" | "infomaniak";
    /** Infomaniak API token (scopes dns:read, dns:write); required in `infomaniak` mode. */
    token?: pulumi.Input<string>;
    /** Existing A records to take over: `true` for all, or a list of names (`@` = apex). */
    adoptExisting?: boolean | readonly string[];
    /** A CAA record allowing only Let's Encrypt. */
    caa?: boolean;
    propagationTimeoutSeconds?: number;
    propagationPollSeconds?: number;
    /** A resolver asked too, besides the zone's authoritative servers (`ip` or `ip:port`). */
    publicResolver?: string;
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
        this.records = plannedRecords({ domain: args.domain, zone: this.zone, subdomains: args.subdomains }, args.address, args.ttl);
        this.readiness.push(...registerDnsResources(this, {
            ...args,
            zone: this.zone,
            names: this.records.filter((record) => record.type === "A"),
            // Manual mode: the wait prints what to create in the panel, then polls until it resolves.
            instructions: args.provider === "manual" ? manualInstructions(this.records, this.zone) : undefined,
        }));
        this.registerOutputs({ records: this.records, zone: this.zone });
    }
}
