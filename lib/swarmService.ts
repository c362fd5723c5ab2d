/**
 * The Swarm service shape every DropIt service shares: attached to dokploy-network, no
 * published port (only Traefik publishes), labels for Traefik when routed.
 *
 * Every value here is written the way the Docker provider reads it back from Swarm, because
 * the next `pulumi up` diffs against what was read back, not against what was sent.
 */
import { createHash } from "crypto";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { memoryResources, type ServiceMemory } from "../config/memoryBudget";
import { swarmDuration } from "../renderers/duration";
import { renderRemoveSwarmConfig, renderSwarmConfig } from "../renderers/hostScripts";
import { renderRolloutSettled, type RolloutSettings } from "../renderers/swarmUpdate";
import { NO_PREVIOUS_OUTPUT_IN_ENV } from "./sshConnection";
import type { Label } from "../renderers/traefik";

type Input<T> = pulumi.Input<T>;

/**
 * How a service is reached on dokploy-network: `vip`, Swarm's virtual IP (IPVS), which drops a
 * stopping task before it stops; `dnsrr`, its tasks' own addresses, for kernels without IPVS.
 */
export type EndpointMode = "vip" | "dnsrr";

/** Where a service runs on a Swarm of several nodes (docs/nodes.md); absent on one node. */
export interface ClusterPlacement {
    /** Constraints in place of `node.role==manager` (stateful services: the node labelled as holding the data). */
    constraints?: string[];
    /** At most this many tasks of the service on one node (Swarm's `placement.maxReplicas`). */
    maxReplicasPerNode?: number;
    /** After these, every node has joined and carries its labels. */
    ready: pulumi.Resource[];
}

export interface SwarmServiceSpec {
    /** Service name, also its DNS name on the network. */
    name: string;
    image: Input<string>;
    /**
     * ID of the network (DokployHost.networkId). Swarm stores the ID and the provider reads
     * back only the ID; a network given by name differs from it in a ForceNew field, so the
     * service would be replaced on every later `pulumi up`.
     */
    networkId: Input<string>;
    /** Default `vip`; the endpoint spec is written only for `dnsrr`, so a vip service reads back unchanged. */
    endpointMode?: EndpointMode;
    /**
     * A plain map: a secret value is a secret output of its own, never the whole map (a secret
     * map hides every name and value of the task spec from a preview).
     */
    env?: Readonly<Record<string, Input<string>>>;
    args?: string[];
    commands?: string[];
    healthcheck: docker.types.input.ServiceTaskSpecContainerSpecHealthcheck;
    /** Memory limit and reservation per task (config/memoryBudget.ts): every service is bounded. */
    memory: ServiceMemory;
    mounts?: docker.types.input.ServiceTaskSpecContainerSpecMount[];
    configs?: Input<docker.types.input.ServiceTaskSpecContainerSpecConfig>[];
    replicas?: number;
    /** Stateful services stay on the manager, where their volume lives. */
    onManager?: boolean;
    /** With several nodes: constraints and spread (replaces onManager's constraint when it has constraints). */
    cluster?: ClusterPlacement;
    labels?: Label[];
    updateConfig: docker.types.input.ServiceUpdateConfig;
    rollbackConfig?: docker.types.input.ServiceRollbackConfig;
    auth?: docker.types.input.ServiceAuth;
    /** Use swarmDuration: the provider reads durations back in its own spelling. */
    stopGracePeriod?: string;
}

/** How long `pulumi up` waits for tasks to be running and healthy before failing. */
const CONVERGE = { delay: swarmDuration(5), timeout: swarmDuration(600) };

export function swarmServiceArgs(spec: SwarmServiceSpec): docker.ServiceArgs {
    return {
        name: spec.name,
        auth: spec.auth,
        labels: spec.labels,
        mode: { replicated: { replicas: spec.replicas ?? 1 } },
        taskSpec: {
            containerSpec: {
                image: spec.image,
                env: spec.env,
                args: spec.args,
                commands: spec.commands,
                healthcheck: spec.healthcheck,
                mounts: spec.mounts,
                configs: spec.configs,
                stopGracePeriod: spec.stopGracePeriod ?? swarmDuration(30),
            },
            resources: memoryResources(spec.memory),
            networksAdvanceds: [{ id: spec.networkId }],
            placement: placementOf(spec),
            restartPolicy: { condition: "any", delay: swarmDuration(5), maxAttempts: 0, window: swarmDuration(60) },
        },
        ...(spec.endpointMode === "dnsrr" ? { endpointSpec: { mode: "dnsrr" } } : {}),
        updateConfig: spec.updateConfig,
        rollbackConfig: spec.rollbackConfig,
        convergeConfig: CONVERGE,
    };
}

function placementOf(spec: SwarmServiceSpec): docker.types.input.ServiceTaskSpecPlacement | undefined {
    const constraints = spec.cluster?.constraints ?? (spec.onManager ? ["node.role==manager"] : undefined);
    const maxReplicas = spec.cluster?.maxReplicasPerNode;
    if (!constraints && maxReplicas === undefined) return undefined;
    return { ...(constraints ? { constraints } : {}), ...(maxReplicas !== undefined ? { maxReplicas } : {}) };
}

/**
 * Stateful services never run two copies on one volume: stop the old task first. A failed
 * update (e.g. a bad postgres setting) rolls back to the previous spec; `pause` would leave the
 * crashing new task in place, i.e. the database down until the next `pulumi up`.
 */
export const STOP_FIRST_UPDATE: docker.types.input.ServiceUpdateConfig = {
    parallelism: 1,
    order: "stop-first",
    failureAction: "rollback",
    monitor: swarmDuration(30),
};

/**
 * Options for every `docker.Service`:
 * - `deleteBeforeReplace`: the provider does not delete before replacing on its own, and a
 *   replacement created first collides with the old service's fixed name in Swarm.
 * - `ignoreChanges: ["auth"]`: the registry credentials are ForceNew in the provider, so adding
 *   them after the first deploy or rotating the token would replace (stop, delete, recreate)
 *   PostgreSQL, Redis and Typesense. The provider never reads `auth` back, so ignoring it is
 *   exact: the credentials given at creation stay with the service. They only matter for pulls
 *   of public images (rate limit); when a pull with a stale token fails, Swarm starts the
 *   task from the image already on the host.
 *   Per-service auth stays because nothing else covers these images: the host's `docker login`
 *   is not used by Swarm, and the provider-level registryAuth only matches names with a `/`.
 */
export function swarmServiceOptions(opts: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
    return { ...opts, deleteBeforeReplace: true, ignoreChanges: ["auth"] };
}

/** A Swarm config as a service names it. */
export interface SwarmConfig {
    id: pulumi.Output<string>;
    name: string;
}

/**
 * A Swarm config whose name changes with its content (configs are immutable in Swarm), made by a
 * remote command (host/swarm-config.sh says why not the provider's ServiceConfig). A change of
 * content is a new name, hence a replacement: the new config exists before the service moves to
 * it, and the old one is removed after.
 */
export function contentAddressedConfig(
    resourceName: string,
    configName: string,
    content: string,
    on: { connection: command.types.input.remote.ConnectionArgs; ready: pulumi.Input<pulumi.Resource>[] },
    opts: { parent: pulumi.Resource },
): SwarmConfig {
    const digest = createHash("sha256").update(content).digest("hex").slice(0, 12);
    const name = `${configName}-${digest}`;
    const step = new command.remote.Command(
        resourceName,
        {
            connection: on.connection,
            ...NO_PREVIOUS_OUTPUT_IN_ENV,
            create: renderSwarmConfig(name),
            delete: renderRemoveSwarmConfig(name),
            stdin: content,
            triggers: [name],
        },
        { ...opts, dependsOn: on.ready },
    );
    return { id: step.stdout.apply((stdout) => stdout.trim()), name };
}

/**
 * The provider's update returns once each slot has a running task, before Swarm's monitor
 * window: this command, replaced with every new image, waits for Swarm's own verdict on the
 * rollout and fails when Swarm rolled it back (docs/services.md).
 */
export function rolloutSettledCommand(
    name: string,
    args: {
        connection: command.types.input.remote.ConnectionArgs;
        serviceName: string;
        rollout: RolloutSettings;
        replicas: number;
        imageName: pulumi.Input<string>;
    },
    opts: { parent: pulumi.Resource; service: docker.Service },
): command.remote.Command {
    return new command.remote.Command(
        name,
        {
            connection: args.connection,
            ...NO_PREVIOUS_OUTPUT_IN_ENV,
            create: renderRolloutSettled(args.serviceName, args.rollout, args.replicas),
            triggers: [args.imageName],
        },
        { parent: opts.parent, dependsOn: [opts.service] },
    );
}
