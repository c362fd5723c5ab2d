/**
 * The host steps of a multi-node Swarm (docs/nodes.md): the Swarm firewall, reading a join
 * token, joining, a node's role and labels, removing a node, spreading tasks after a change.
 * Each is a host/ script with its parameters as quoted data (renderers/shellParams.ts); the join
 * token only ever travels on stdin and stdout. Pure text: no Pulumi imports.
 */
import { DATA_NODE_LABEL } from "../config/names";
import { NODE_LABEL_KEY, NODE_LABEL_VALUE } from "../config/rules";
import { hostFile, hostStep, shellAssignments } from "./shellParams";

export type SwarmRole = "worker" | "manager";

export const SWARM_FIREWALL_SCRIPT_PATH = "/etc/dropit/swarm-firewall.sh";
/** How long removing a node waits for its tasks to start elsewhere and stop there. */
export const DRAIN_TIMEOUT_SECONDS = 600;

const ADDRESS = /^[0-9A-Fa-f.:]+$/;

export interface SwarmFirewallOptions {
    /** The other nodes' Swarm addresses. */
    peers: readonly string[];
    /** Managers also admit 2377/tcp (the control plane) from the peers. */
    role: SwarmRole;
}

/** /etc/dropit/swarm-firewall.env. */
export function renderSwarmFirewallEnv(options: SwarmFirewallOptions): string {
    for (const peer of options.peers) if (!ADDRESS.test(peer)) throw new Error(`swarm firewall: ${peer} is not an address`);
    return `# Written by dropit-infra: the parameters of ${SWARM_FIREWALL_SCRIPT_PATH}.\n${shellAssignments({
        PEERS: [...options.peers].sort().join(","),
        MANAGER: options.role === "manager" ? 1 : 0,
    })}\n`;
}

export function renderSwarmFirewall(options: SwarmFirewallOptions): string {
    return hostStep("install-swarm-firewall", {
        SWARM_FIREWALL_ENV: renderSwarmFirewallEnv(options).trimEnd(),
        SWARM_FIREWALL_SCRIPT: hostFile("files/swarm-firewall.sh").trimEnd(),
        SWARM_FIREWALL_UNIT: hostFile("files/dropit-swarm-firewall.service").trimEnd(),
    });
}

/** Rotates the join token of `role` and prints the new one on stdout (the command marks it secret and does not log it). */
export function renderJoinToken(role: SwarmRole): string {
    return hostStep("swarm-join-token", { ROLE: role });
}

/** Joins the Swarm of `managerAddress` with the token on stdin; prints the node's ID. */
export function renderSwarmJoin(options: { managerAddress: string; advertiseAddress: string }): string {
    return hostStep("swarm-join", { MANAGER_ADDR: options.managerAddress, ADVERTISE_ADDR: options.advertiseAddress });
}

export function renderSwarmLeave(): string {
    return hostStep("swarm-leave");
}

export interface NodeMembership {
    /** The node's Swarm ID, or `self` for the manager the command runs on. */
    nodeId: string;
    name: string;
    role: SwarmRole;
    /** Holds the data volumes (PostgreSQL, Redis, Typesense): the stateful services are pinned to it. */
    data: boolean;
    labels: Readonly<Record<string, string>>;
}

/** On a manager: the node's role and labels (`dropit.node`, `dropit.data`, the user's). */
export function renderNodeMembership(node: NodeMembership): string {
    for (const [key, value] of Object.entries(node.labels)) {
        if (!NODE_LABEL_KEY.test(key) || !NODE_LABEL_VALUE.test(value))
            throw new Error(`node ${node.name}: label ${key}=${value} is refused`);
    }
    return hostStep("swarm-node-membership", {
        NODE_ID: node.nodeId,
        NODE_NAME: node.name,
        ROLE: node.role,
        DATA: node.data ? "true" : "false",
        LABELS: Object.entries(node.labels)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([key, value]) => `${key}=${value}`)
            .join(","),
    });
}

/** On a manager: moves the node's tasks elsewhere (start-first), drains and removes it. */
export function renderNodeRemoval(nodeId: string): string {
    // A deletion runs after Pulumi updated the services: they carry the configured limit already.
    return hostStep("swarm-node-remove", { NODE_IDS: nodeId, KEEP: "", DRAIN_TIMEOUT_SECONDS, MAX_REPLICAS_PER_NODE: "" });
}

/**
 * On a manager, before any firewall forgets them: moves off and removes every node this program
 * labelled whose name is no longer configured (`keep`: the first server's and the nodes' names).
 * It runs before the services are updated, so the moved services get the configured per-node
 * limit (`maxReplicasPerNode`) when theirs is lower: otherwise the remaining nodes may have no
 * room for the tasks (two tasks, one per node, one node left).
 */
export function renderDepartures(keep: readonly string[], maxReplicasPerNode: number): string {
    return hostStep("swarm-node-remove", {
        NODE_IDS: "",
        KEEP: [...keep].sort().join(","),
        DRAIN_TIMEOUT_SECONDS,
        MAX_REPLICAS_PER_NODE: String(maxReplicasPerNode),
    });
}

/** On a manager: rolls the services whose tasks are spread unevenly over the available nodes. */
export function renderRebalance(services: readonly string[]): string {
    return hostStep("swarm-rebalance", { SERVICES: services.join(","), TIMEOUT_SECONDS: DRAIN_TIMEOUT_SECONDS });
}

/** The placement constraint that keeps a stateful service on the node holding its volume. */
export const DATA_NODE_CONSTRAINT = `node.labels.${DATA_NODE_LABEL}==true`;
