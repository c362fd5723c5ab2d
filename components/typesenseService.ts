/** Optional Typesense (the guide's future search), at the guide's version, with a kept volume. */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ServiceMemory } from "../config/memoryBudget";
import { TYPESENSE_SERVICE, TYPESENSE_VOLUME } from "../config/names";
import { swarmDuration } from "../renderers/duration";
import { STOP_FIRST_UPDATE, swarmServiceArgs, swarmServiceOptions, type ClusterPlacement, type EndpointMode } from "../lib/swarmService";

export interface TypesenseServiceArgs {
    /** The image tag, typesense/typesense:<version>. */
    version: string;
    /** Memory limit and reservation per task (dropit:typesense.memoryMb, .memoryReservationMb). */
    memory: ServiceMemory;
    /** ID of dokploy-network (DokployHost.networkId). */
    networkId: pulumi.Input<string>;
    /** How the service is reached on dokploy-network (default vip; dnsrr on kernels without IPVS). */
    endpointMode?: EndpointMode;
    /** Registry credentials for pulling the image (DokployHost.registryAuth). */
    auth?: docker.types.input.ServiceAuth;
    /** With several nodes: pinned to the node that holds the data volumes. */
    cluster?: ClusterPlacement;
}

export class TypesenseService extends pulumi.ComponentResource {
    readonly host = TYPESENSE_SERVICE;
    readonly port = 8108;
    readonly apiKey: pulumi.Output<string>;

    constructor(name: string, args: TypesenseServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dropit:index:TypesenseService", name, {}, opts);
        // The Docker provider comes through `opts.providers` (index.ts): children inherit it from their parent.
        const child = { parent: this };
        const apiKey = new random.RandomPassword(`${name}-api-key`, { length: 32, special: false }, { parent: this });
        this.apiKey = apiKey.result;
        const volume = new docker.Volume(`${name}-data`, { name: TYPESENSE_VOLUME }, { ...child, retainOnDelete: true });
        new docker.Service(
            `${name}-service`,
            swarmServiceArgs({
                name: TYPESENSE_SERVICE,
                image: `typesense/typesense:${args.version}`,
                networkId: args.networkId,
                endpointMode: args.endpointMode,
                auth: args.auth,
                // Typesense reads TYPESENSE_<FLAG> variables: the key stays off the command line.
                env: { TYPESENSE_API_KEY: apiKey.result, TYPESENSE_DATA_DIR: "/data" },
                mounts: [{ type: "volume", source: volume.name, target: "/data" }],
                healthcheck: {
                    // The image has bash but no guaranteed curl or wget.
                    tests: [
                        "CMD",
                        "bash",
                        "-c",
                        "exec 3<>/dev/tcp/127.0.0.1/8108 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"ok\":true' <&3",
                    ],
                    interval: swarmDuration(10),
                    timeout: swarmDuration(3),
                    startPeriod: swarmDuration(20),
                    retries: 5,
                },
                memory: args.memory,
                onManager: true,
                cluster: args.cluster,
                updateConfig: STOP_FIRST_UPDATE,
            }),
            swarmServiceOptions(args.cluster ? { ...child, dependsOn: args.cluster.ready } : child),
        );
        this.registerOutputs({ host: this.host, port: this.port });
    }
}
