/**
 * The Swarm beyond the first server (docs/nodes.md), registered only when `dropit:nodes` lists
 * machines: the first manager's Swarm firewall and labels (it holds the data volumes and runs
 * Traefik and the panel), the join tokens read there as secrets, and one SwarmNode per node.
 * After a change of nodes, `rebalance` spreads the API and web tasks onto them.
 */
import * as command from "@pulumi/command";
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { FIRST_NODE_NAME } from "../config/names";
import { hostCommand, type RegistryCredentials } from "../lib/hostConvergence";
import { renderDynamicConfigFile, renderRemoveUnusedDynamicConfig } from "../renderers/hostScripts";
import { renderRouterRetry, RETRY_MIDDLEWARE, ROUTER_RETRY_FILE, UPSTREAM_TRANSPORT } from "../renderers/routerRetry";
import { NO_PREVIOUS_OUTPUT_IN_ENV, type ServerLogin } from "../lib/sshConnection";
import {
    renderDepartures,
    renderJoinToken,
    renderNodeMembership,
    renderRebalance,
    renderSwarmFirewall,
    type SwarmRole,
} from "../renderers/swarmNodes";
import { SwarmNode } from "./swarmNode";

export interface ClusterNode {
    name: string;
    server: ServerLogin;
    firewallSshPort: number;
    role: SwarmRole;
    labels: Readonly<Record<string, string>>;
    /** Its Swarm address. */
    address: string;
}

export interface SwarmClusterArgs {
    /** The first server: SSH (DokployHost.connection) and its Swarm address. */
    manager: { connection: command.types.input.remote.ConnectionArgs; host: string; address: string };
    nodes: readonly ClusterNode[];
    dockerVersion: string;
    /** At most this many API (and web) tasks per node: what the router's retries must get past. */
    maxReplicasPerNode: number;
    registry?: RegistryCredentials;
    /** After these, the first server runs Dokploy's Swarm (DokployHost). */
    hostReady: pulumi.Resource[];
}

export interface ClusterMember {
    name: string;
    host: string;
    address: string;
    role: SwarmRole;
    /** Runs Traefik, so DNS points at it. */
    router: boolean;
    /** Holds the data volumes: PostgreSQL, Redis and Typesense are pinned to it. */
    data: boolean;
}

export class SwarmCluster extends pulumi.ComponentResource {
    /** Every machine of the Swarm and what it does (the `nodes` stack output). */
    readonly members: ClusterMember[];
    /** After these, every node has joined and carries its role and labels. */
    readonly ready: pulumi.Resource[];
    private readonly manager: SwarmClusterArgs["manager"];
    private readonly nodeNames: string[];

    constructor(name: string, args: SwarmClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dropit:index:SwarmCluster", name, {}, opts);
        this.manager = args.manager;
        this.nodeNames = args.nodes.map((node) => node.name).sort();
        const addresses = [args.manager.address, ...args.nodes.map((node) => node.address)];
        const peersOf = (address: string) => addresses.filter((other) => other !== address);
        const onManager = (stepName: string, create: string, extra: Partial<command.remote.CommandArgs>, after: pulumi.Resource[]) =>
            hostCommand(this, name, args.manager.connection, stepName, create, extra, after);

        // Pulumi deletes removed resources last, after the firewalls were updated without the
        // removed nodes: their tasks are moved off here first, while they still reach the others.
        const departures = onManager(
            "departures",
            renderDepartures([FIRST_NODE_NAME, ...this.nodeNames], args.maxReplicasPerNode),
            { triggers: this.nodeNames },
            args.hostReady,
        );
        const firewall = onManager("swarm-firewall", renderSwarmFirewall({ peers: peersOf(args.manager.address), role: "manager" }), {}, [
            ...args.hostReady,
            departures,
        ]);
        const labels = onManager(
            "main-membership",
            renderNodeMembership({ nodeId: "self", name: FIRST_NODE_NAME, role: "manager", data: true, labels: {} }),
            {},
            args.hostReady,
        );
        const tokens = new Map<SwarmRole, pulumi.Output<string>>();
        for (const role of [...new Set(args.nodes.map((node) => node.role))].sort()) {
            // Read again when the nodes of this role change, so a rotated token reaches new nodes.
            const reader = new command.remote.Command(
                `${name}-${role}-token`,
                {
                    connection: args.manager.connection,
                    ...NO_PREVIOUS_OUTPUT_IN_ENV,
                    create: renderJoinToken(role),
                    // The token is on stdout: never logged, stored encrypted.
                    logging: "stderr",
                    triggers: args.nodes
                        .filter((node) => node.role === role)
                        .map((node) => node.name)
                        .sort(),
                },
                { parent: this, dependsOn: args.hostReady, additionalSecretOutputs: ["stdout"] },
            );
            tokens.set(role, pulumi.secret(reader.stdout.apply((out) => out.trim())));
        }
        const nodes = args.nodes.map(
            (node) =>
                new SwarmNode(
                    `node-${node.name}`,
                    {
                        nodeName: node.name,
                        server: node.server,
                        firewallSshPort: node.firewallSshPort,
                        role: node.role,
                        labels: node.labels,
                        address: node.address,
                        peers: peersOf(node.address),
                        dockerVersion: args.dockerVersion,
                        registry: args.registry,
                        manager: { connection: args.manager.connection, address: args.manager.address },
                        joinToken: tokens.get(node.role)!,
                        managerReady: [firewall, labels],
                    },
                    { parent: this },
                ),
        );
        // Before the API and web labels name its middleware and transport (they depend on `ready`);
        // deleted (back to one node) only once no label names them any more.
        const routerRetry = onManager(
            "router-retry",
            renderDynamicConfigFile(ROUTER_RETRY_FILE),
            {
                stdin: renderRouterRetry(args.maxReplicasPerNode),
                delete: renderRemoveUnusedDynamicConfig(ROUTER_RETRY_FILE, [RETRY_MIDDLEWARE, UPSTREAM_TRANSPORT]),
            },
            args.hostReady,
        );
        this.ready = [departures, labels, routerRetry, ...nodes.map((node) => node.membership)];
        this.members = [
            { name: FIRST_NODE_NAME, host: args.manager.host, address: args.manager.address, role: "manager", router: true, data: true },
            ...args.nodes.map((node) => ({
                name: node.name,
                host: node.server.host,
                address: node.address,
                role: node.role,
                router: false,
                data: false,
            })),
        ];
        this.registerOutputs({ members: this.members });
    }

    /**
     * Swarm never moves running tasks onto a node that joined: after the set of nodes changed,
     * services whose tasks sit unevenly are rolled (start-first, health-gated) so they spread.
     */
    rebalance(services: { name: string; service: docker.Service }[]): command.remote.Command {
        return new command.remote.Command(
            "swarm-rebalance",
            {
                connection: this.manager.connection,
                ...NO_PREVIOUS_OUTPUT_IN_ENV,
                create: renderRebalance(services.map((entry) => entry.name)),
                triggers: this.nodeNames,
            },
            { parent: this, dependsOn: services.map((entry) => entry.service) },
        );
    }
}
