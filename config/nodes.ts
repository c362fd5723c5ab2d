/**
 * Rules on `dropit:nodes` that involve more than one key: unique names and addresses, an odd
 * number of managers, a registry the nodes pull from, replicas that fit the nodes. Pure: no
 * Pulumi runtime.
 */
import { keyName } from "./errors";
import { FIRST_NODE_NAME } from "./names";
import { MANAGER_COUNT } from "./rules";
import type { DropitConfig } from "./schema";

/** Where a node's Swarm traffic comes from and goes to. */
export function swarmAddress(machine: { host: string; privateAddress?: string }): string {
    return machine.privateAddress ?? machine.host;
}

/** The first server and every node, with the role each has in the Swarm. */
export function clusterMembers(config: Pick<DropitConfig, "server" | "nodes">) {
    return [
        {
            name: FIRST_NODE_NAME,
            host: config.server.host,
            port: config.server.port,
            address: swarmAddress(config.server),
            role: "manager" as const,
        },
        ...config.nodes.map((node) => ({
            name: node.name,
            host: node.host,
            port: node.port,
            address: swarmAddress(node),
            role: node.role,
        })),
    ];
}

function duplicates(values: readonly string[]): string[] {
    return [...new Set(values.filter((value, index) => values.indexOf(value) !== index))];
}

/** Several nodes, or the step back to one (`cluster.enabled` with no nodes): SwarmCluster is registered. */
export function isMultiNode(config: Pick<DropitConfig, "nodes" | "cluster">): boolean {
    return config.nodes.length > 0 || config.cluster.enabled;
}

export function nodeProblems(config: DropitConfig): string[] {
    if (!isMultiNode(config)) return [];
    const problems: string[] = [];
    const members = clusterMembers(config);
    for (const name of duplicates(config.nodes.map((node) => node.name))) {
        problems.push(`${keyName(["nodes"])}: two nodes are named ${name}. Fix: give each node its own name.`);
    }
    for (const endpoint of duplicates(members.map((member) => `${member.host}:${member.port}`))) {
        const names = members.filter((member) => `${member.host}:${member.port}` === endpoint).map((member) => member.name);
        problems.push(
            `${keyName(["nodes"])}: ${names.join(" and ")} are reached at the same SSH address ${endpoint}: one machine cannot be two nodes. ` +
                "Fix: remove the duplicate, or correct its host or port.",
        );
    }
    for (const address of duplicates(members.map((member) => member.address))) {
        const names = members.filter((member) => member.address === address).map((member) => member.name);
        problems.push(
            `${keyName(["nodes"])}: ${names.join(" and ")} share the Swarm address ${address}. ` +
                "Fix: set privateAddress (or host) of each node to its own address (for the first server: dropit:server.privateAddress).",
        );
    }
    const managers = members.filter((member) => member.role === "manager").length;
    if (managers % 2 === 0 || managers > MANAGER_COUNT.max) {
        problems.push(
            `${keyName(["nodes"])}: ${managers} managers (the first server and the nodes with role manager). ` +
                `Swarm's managers keep its state by majority, so an even count tolerates no more losses than one fewer, and more than ${MANAGER_COUNT.max} slows every change. ` +
                `Fix: use 1, 3, 5 or 7 managers in all (set role: worker on ${managers > MANAGER_COUNT.max ? "some" : "one"} of them).`,
        );
    }
    if (!config.registry.username) {
        problems.push(
            `${keyName(["registry", "username"])}: with nodes, the API and web images are pushed to a registry every node pulls from (a node cannot use an image built on another). ` +
                "Fix: `pulumi config set --path 'dropit:registry.username' <user>` and `pulumi config set --secret dropit:registryPassword` (it prompts); " +
                "dropit:registry.server names the registry (default docker.io: make the repositories dropit-api and dropit-web private).",
        );
    }
    for (const key of ["api", "web"] as const) {
        const capacity = members.length * config.cluster.maxReplicasPerNode;
        const nodes = `${members.length} node${members.length === 1 ? "" : "s"} at ${config.cluster.maxReplicasPerNode} per node (dropit:cluster.maxReplicasPerNode)`;
        // A start-first update runs the new task beside the old one, and Swarm counts both against the limit.
        const neededPerNode = Math.ceil((config[key].replicas + 1) / members.length);
        const fix = [
            ...(capacity > 1 ? [`at most ${capacity - 1} replicas`] : []),
            `raise dropit:cluster.maxReplicasPerNode to ${neededPerNode}`,
            "add nodes",
        ].join(", or ");
        if (config[key].replicas > capacity) {
            problems.push(
                `${keyName([key, "replicas"])}: ${config[key].replicas} tasks do not fit ${nodes}: Swarm would leave ${config[key].replicas - capacity} pending. Fix: ${fix}.`,
            );
        } else if (config[key].replicas === capacity) {
            problems.push(
                `${keyName([key, "replicas"])}: ${config[key].replicas} tasks fill ${nodes}, leaving no room for the task a rolling update starts before it stops an old one: every deploy would wait for a slot that never comes. Fix: ${fix}.`,
            );
        }
    }
    return problems;
}
