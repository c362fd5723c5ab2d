/** One record in an Infomaniak zone, managed through the v2 API by a dynamic provider. */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_API_URL } from "./client";
import { createDnsRecordProvider, RECORD_PROVIDER_VERSION } from "./recordProvider";

export interface DnsRecordArgs {
    /** Zone at Infomaniak (FQDN, no trailing dot), e.g. dropit-app.fr. */
    zone: pulumi.Input<string>;
    /** Name relative to the zone; "@" (or "") is the apex. */
    source: pulumi.Input<string>;
    type: pulumi.Input<"A" | "AAAA" | "CAA">;
    target: pulumi.Input<string>;
    ttl: pulumi.Input<number>;
    /** API token with scopes dns:read and dns:write; always stored as a secret. */
    token: pulumi.Input<string>;
    /** Defaults to https://api.infomaniak.com; tests point it at a local fake. */
    apiUrl?: pulumi.Input<string>;
    /** Take over an existing record of this name and type even when its value differs. */
    adopt?: pulumi.Input<boolean>;
}

const provider = createDnsRecordProvider();

export class DnsRecord extends pulumi.dynamic.Resource {
    /** Infomaniak's integer id of the record. */
    declare readonly recordId: pulumi.Output<number>;
    /** The record existed before: it is updated but never deleted by this program. */
    declare readonly adopted: pulumi.Output<boolean>;
    declare readonly fqdn: pulumi.Output<string>;

    constructor(name: string, args: DnsRecordArgs, opts?: pulumi.CustomResourceOptions) {
        const props = {
            zone: args.zone,
            source: args.source,
            type: args.type,
            target: args.target,
            ttl: args.ttl,
            token: pulumi.secret(args.token),
            apiUrl: args.apiUrl ?? DEFAULT_API_URL,
            adopt: args.adopt ?? false,
            providerVersion: RECORD_PROVIDER_VERSION,
            recordId: undefined,
            adopted: undefined,
            fqdn: undefined,
        };
        // The provider keeps the token in its outputs (delete needs it): keep that secret too.
        const secretOutputs = [...(opts?.additionalSecretOutputs ?? []), "token"];
        super(provider, name, props, { ...opts, additionalSecretOutputs: secretOutputs }, "infomaniak", "DnsRecord");
    }
}
