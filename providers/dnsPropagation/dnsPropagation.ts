/**
 * A resource that exists once DNS answers every public name with the server's address.
 * Every Traefik route that requests a certificate depends on it.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ExpectedName } from "./propagation";
import { createPropagationProvider, PROPAGATION_PROVIDER_VERSION } from "./propagationProvider";

export interface DnsPropagationArgs {
    zone: pulumi.Input<string>;
    names: pulumi.Input<pulumi.Input<ExpectedName>[]>;
    /** Explicit DNS servers (`ip` or `ip:port`); by default the zone's NS, found at apply time. */
    nameservers?: pulumi.Input<string[]>;
    /** Also require this resolver (e.g. 1.1.1.1) to answer correctly. */
    publicResolver?: pulumi.Input<string>;
    /** How long create and update wait at most (dropit:dns.propagationTimeoutSeconds). */
    timeoutSeconds: pulumi.Input<number>;
    /** Pause between two rounds of questions (dropit:dns.propagationPollSeconds). */
    pollSeconds: pulumi.Input<number>;
    /** Printed when the wait starts (manual mode: the records to create). */
    instructions?: pulumi.Input<string>;
}

const provider = createPropagationProvider();

export class DnsPropagation extends pulumi.dynamic.Resource {
    declare readonly checkedServers: pulumi.Output<string[]>;

    constructor(name: string, args: DnsPropagationArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                zone: args.zone,
                names: args.names,
                nameservers: args.nameservers ?? [],
                publicResolver: args.publicResolver ?? "",
                timeoutSeconds: args.timeoutSeconds,
                pollSeconds: args.pollSeconds,
                instructions: args.instructions ?? "",
                providerVersion: PROPAGATION_PROVIDER_VERSION,
                checkedServers: undefined,
            },
            opts,
            "dns",
            "Propagation",
        );
    }
}
