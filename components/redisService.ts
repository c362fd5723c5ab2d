/** Optional Redis (the guide's future cache): password, AOF persistence, a kept volume. */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ServiceMemory } from "../config/memoryBudget";
import { REDIS_SERVICE, REDIS_VOLUME } from "../config/names";
import { swarmDuration } from "../renderers/duration";
import { STOP_FIRST_UPDATE, swarmServiceArgs, swarmServiceOptions, type ClusterPlacement, type EndpointMode } from "../lib/swarmService";

export interface RedisServiceArgs {
    /** Memory limit and reservation per task (dropit:redis.memoryMb, .memoryReservationMb). */
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

/**
 * The password reaches redis-server through a config file written by a shell builtin, so it
 * is on no command line (`ps`) and in no image layer.
 */
const START_WITH_PASSWORD_FILE = [
    "umask 077",
    "printf 'requirepass %s\\nappendonly yes\\ndir /data\\n' \"$REDIS_PASSWORD\" > /tmp/redis.conf",
    "chown redis:redis /tmp/redis.conf",
    "exec docker-entrypoint.sh redis-server /tmp/redis.conf",
].join(" && ");

export class RedisService extends pulumi.ComponentResource {
    readonly host = REDIS_SERVICE;
    readonly port = 6379;
    readonly password: pulumi.Output<string>;
    /** redis://:<password>@dropit-redis:6379, secret. */
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: RedisServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dropit:index:RedisService", name, {}, opts);
        // The Docker provider comes through `opts.providers` (index.ts): children inherit it from their parent.
        const child = { parent: this };
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
        this.password = password.result;
        this.url = pulumi.secret(pulumi.interpolate`redis://:${password.result}@${REDIS_SERVICE}:${this.port}`);
        const volume = new docker.Volume(`${name}-data`, { name: REDIS_VOLUME }, { ...child, retainOnDelete: true });
        new docker.Service(
            `${name}-service`,
            swarmServiceArgs({
                name: REDIS_SERVICE,
                image: "redis:7-alpine",
                networkId: args.networkId,
                endpointMode: args.endpointMode,
                auth: args.auth,
                env: { REDIS_PASSWORD: password.result },
                commands: ["sh", "-c", START_WITH_PASSWORD_FILE],
                mounts: [{ type: "volume", source: volume.name, target: "/data" }],
                healthcheck: {
                    tests: ["CMD-SHELL", 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli ping | grep -q PONG'],
                    interval: swarmDuration(10),
                    timeout: swarmDuration(3),
                    startPeriod: swarmDuration(10),
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
