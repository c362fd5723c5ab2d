/**
 * The public names of the deployment: A records for the apex, api, traefik and dokploy, all at
 * the VPS. In `manual` mode no API is called: the records are outputs and instructions.
 */
import * as pulumi from "@pulumi/pulumi";
import { DnsRecordSpec, manualInstructions, plannedRecords } from "../renderers/dnsRecords";

export interface DnsZoneArgs {
    domain: string;
    /** Zone at Infomaniak holding the domain; defaults to the domain. */
    zone?: string;
    /** Subdomain labels that must resolve to the server. */
    subdomains: readonly string[];
    /** The VPS's public address. */
    address: string;
    ttl: number;
    provider: "manual" | "infomaniak";
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
        if (args.provider === "manual") {
            pulumi.log.info(manualInstructions(this.records, this.zone), this);
        }
        this.registerOutputs({ records: this.records, zone: this.zone });
    }
}
