/**
 * One extra machine of the Swarm (docs/nodes.md): converged exactly like the first server
 * (lib/hostConvergence.ts: packages, Docker, registry login, host firewall), its Swarm ports
 * opened to the other nodes only, then joined with the join token on stdin, and given its role
 * and labels by the first manager. Removing it from the configuration moves its tasks away
 * first, then removes it from the Swarm (host/swarm-node-remove.sh), then leaves on the node.
 */
import type * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { convergeHostBase, hostCommand, type RegistryCredentials } from "../lib/hostConvergence";
import { remoteConnection, type ServerLogin } from "../lib/sshConnection";
import {
    renderNodeMembership,
    renderNodeRemoval,
    renderSwarmFirewall,
    renderSwarmJoin,
    renderSwarmLeave,
    type SwarmRole,
} from "../renderers/swarmNodes";

export interface SwarmNodeArgs {
    /** The node's configured name (its `dropit.node` label). */
    nodeName: string;
    server: ServerLogin;
    /** The port sshd listens on at the node; the firewall keeps it open. */
    firewallSshPort: number;
    role: SwarmRole;
    labels: Readonly<Record<string, string>>;
    /** The address Swarm advertises for this node. */
    address: string;
    /** Every other node's Swarm address, the first server's included. */
    peers: readonly string[];
    dockerVersion: string;
    registry?: RegistryCredentials;
    /** The first manager: where the membership commands run, and the address the node joins. */
    manager: { connection: command.types.input.remote.ConnectionArgs; address: string };
    /** The join token for `role`, secret (SwarmCluster reads it on the first manager). */
    joinToken: pulumi.Output<string>;
    /** After these, the first manager admits this node's Swarm traffic, and nodes removed from the configuration are gone. */
    managerReady: pulumi.Resource[];
}

export const SWARM_NODE_TYPE = "dropit:index:SwarmNode";

export class SwarmNode extends pulumi.ComponentResource {
    /** The node's Swarm ID, printed by the join step. */
    readonly nodeId: pulumi.Output<string>;
    /** Done once the node is a member with its role and labels. */
    readonly membership: command.remote.Command;

    constructor(name: string, args: SwarmNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super(SWARM_NODE_TYPE, name, {}, opts);
        const connection = remoteConnection(args.server);
        const { firewall } = convergeHostBase(this, name, {
            connection,
            dockerVersion: args.dockerVersion,
            registry: args.registry,
            firewallSshPort: args.firewallSshPort,
        });
        const swarmFirewall = hostCommand(
            this,
            name,
            connection,
            "swarm-firewall",
            renderSwarmFirewall({ peers: args.peers, role: args.role }),
            {},
            [firewall, ...args.managerReady],
        );
        const join = hostCommand(
            this,
            name,
            connection,
            "join",
            renderSwarmJoin({ managerAddress: args.manager.address, advertiseAddress: args.address }),
            { stdin: pulumi.secret(args.joinToken), delete: renderSwarmLeave(), logging: "stdoutAndStderr" },
            [swarmFirewall, ...args.managerReady],
        );
        this.nodeId = join.stdout.apply((out) => out.trim().split("\n").pop() ?? "");
        this.membership = hostCommand(
            this,
            name,
            args.manager.connection,
            "membership",
            this.nodeId.apply((nodeId) =>
                renderNodeMembership({ nodeId, name: args.nodeName, role: args.role, data: false, labels: args.labels }),
            ),
            // Usually a no-op: SwarmCluster's departures step removed the node before the firewalls changed.
            { delete: this.nodeId.apply((nodeId) => renderNodeRemoval(nodeId)) },
            [join],
        );
        this.registerOutputs({ nodeId: this.nodeId });
    }
}
