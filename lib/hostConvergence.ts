/**
 * The convergence every machine gets, the first server and each node alike: packages upgraded,
 * Docker engine installed, the registry login, the host firewall. One function registering the
 * same commands under the calling component, so a node is converged exactly like the first
 * server (docs/nodes.md), not by a copy of the steps.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { assertKeepsSsh } from "../renderers/firewall";
import { renderDockerEngine, renderFirewall, renderRegistryLogin, renderSystemUpdate } from "../renderers/hostScripts";
import { NO_PREVIOUS_OUTPUT_IN_ENV } from "./sshConnection";

export interface RegistryCredentials {
    /** The registry's host, e.g. docker.io. */
    server: string;
    /** The account that logs in. */
    username: string;
    /** Its password or access token; sent on stdin, kept secret. */
    password: pulumi.Input<string>;
}

export interface HostBaseArgs {
    connection: command.types.input.remote.ConnectionArgs;
    /** The Docker Engine version installed when Docker is absent. */
    dockerVersion: string;
    registry?: RegistryCredentials;
    /** The port sshd listens on at the host; the firewall keeps it open. */
    firewallSshPort: number;
}

/** One remote command of a host's convergence, named `<name>-<step>`, a child of `parent`. */
export function hostCommand(
    parent: pulumi.Resource,
    name: string,
    connection: command.types.input.remote.ConnectionArgs,
    stepName: string,
    create: pulumi.Input<string>,
    extra: Partial<command.remote.CommandArgs>,
    after: pulumi.Input<pulumi.Resource>[],
): command.remote.Command {
    return new command.remote.Command(
        `${name}-${stepName}`,
        { connection, ...NO_PREVIOUS_OUTPUT_IN_ENV, create, ...extra },
        { parent, dependsOn: after },
    );
}

/** Registers the steps in order; returns the last (the firewall), after which the host is ready for Swarm. */
export function convergeHostBase(parent: pulumi.Resource, name: string, args: HostBaseArgs): { firewall: command.remote.Command } {
    const step = (stepName: string, create: string, extra: Partial<command.remote.CommandArgs>, after: pulumi.Resource[]) =>
        hostCommand(parent, name, args.connection, stepName, create, extra, after);
    const firewallOptions = { sshPort: args.firewallSshPort };
    // Refused at plan time too, before anything touches the host.
    assertKeepsSsh(firewallOptions);

    const update = step("system-update", renderSystemUpdate(), {}, []);
    const engine = step("docker-engine", renderDockerEngine(args.dockerVersion), {}, [update]);
    const login = args.registry
        ? step(
              "registry-login",
              renderRegistryLogin(args.registry.server, args.registry.username),
              {
                  stdin: pulumi.secret(args.registry.password),
                  logging: "stdoutAndStderr",
              },
              [engine],
          )
        : undefined;
    // Before the installer publishes port 3000: nobody outside can reach the panel before it has an owner.
    const firewall = step("firewall", renderFirewall(firewallOptions), {}, [login ?? engine]);
    return { firewall };
}
