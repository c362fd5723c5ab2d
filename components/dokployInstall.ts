/**
 * Takes the VPS from bare Debian to a running Dokploy (Swarm, dokploy-network, Traefik with
 * Let's Encrypt) over SSH as the sudo user, then opens a Docker provider to it.
 * The installer is a one-way door (architecture decision 6): see renderers/hostScripts.ts.
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
    renderAcmeContact,
    renderDockerAccess,
    renderDockerEngine,
    renderDokployInstall,
    renderDokployUpdate,
    renderRegistryLogin,
    renderSystemUpdate,
} from "../renderers/hostScripts";
import { DOKPLOY_NETWORK } from "../renderers/traefik";
import { writeSshIdentity } from "../lib/sshIdentity";

export interface ServerConnection {
    host: string;
    port: number;
    user: string;
    privateKey: pulumi.Output<string>;
    /** Pinned host key (`algorithm base64`); without it any key is accepted. */
    hostKey?: string;
}

export interface RegistryCredentials {
    server: string;
    username: string;
    password: pulumi.Output<string>;
}

export interface DokployInstallArgs {
    server: ServerConnection;
    /** Pinned release tag, e.g. v0.29.2. */
    version: string;
    dockerVersion: string;
    /** Defaults to the release's own install.sh. */
    installerUrl?: string;
    acmeEmail: string;
    registry?: RegistryCredentials;
}

export function releaseInstallerUrl(version: string): string {
    return `https://github.com/Dokploy/dokploy/releases/download/${version}/install.sh`;
}

export class DokployInstall extends pulumi.ComponentResource {
    /** Docker engine of the VPS, over SSH; usable once Dokploy and Docker access exist. */
    readonly dockerProvider: docker.Provider;
    /** The overlay network Dokploy's Traefik routes on. */
    readonly network = DOKPLOY_NETWORK;
    /** Registry credentials for services that pull images. */
    readonly registryAuth?: docker.types.input.ServiceAuth;

    constructor(name: string, args: DokployInstallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dropit:index:DokployInstall", name, {}, opts);
        if (!args.server.hostKey) {
            pulumi.log.warn("dropit:server.hostKey is not set: the first SSH host key seen is trusted. Pin it (README: host key).", this);
        }
        const connection: command.types.input.remote.ConnectionArgs = {
            host: args.server.host,
            port: args.server.port,
            user: args.server.user,
            privateKey: args.server.privateKey,
            hostKey: args.server.hostKey,
            dialErrorLimit: 10,
            perDialTimeout: 15,
        };
        const step = (stepName: string, create: string, extra: Partial<command.remote.CommandArgs>, after: pulumi.Resource[]) =>
            new command.remote.Command(`${name}-${stepName}`, { connection, create, ...extra }, { parent: this, dependsOn: after });

        const update = step("system-update", renderSystemUpdate(), {}, []);
        const engine = step("docker-engine", renderDockerEngine(args.dockerVersion), {}, [update]);
        const login = args.registry
            ? step("registry-login", renderRegistryLogin(args.registry.server, args.registry.username), {
                  stdin: args.registry.password,
                  logging: "stdoutAndStderr",
              }, [engine])
            : undefined;
        const installOptions = {
            version: args.version,
            installerUrl: args.installerUrl ?? releaseInstallerUrl(args.version),
            advertiseAddr: args.server.host,
        };
        const install = step("dokploy", renderDokployInstall(installOptions), {
            update: renderDokployUpdate(installOptions),
            // Removing the resource must never uninstall Dokploy (README: uninstall).
            delete: undefined,
        }, [login ?? engine]);
        const acme = step("acme-contact", renderAcmeContact(args.acmeEmail), {}, [install]);
        const access = step("docker-access", renderDockerAccess(args.server.user), {}, [install]);

        if (args.registry) {
            this.registryAuth = { serverAddress: args.registry.server, username: args.registry.username, password: args.registry.password };
        }
        const target = { host: args.server.host, port: args.server.port, hostKey: args.server.hostKey };
        this.dockerProvider = new docker.Provider(`${name}-docker`, {
            host: `ssh://${args.server.user}@${args.server.host}:${args.server.port}`,
            sshOpts: args.server.privateKey.apply((key) => writeSshIdentity(target, key)),
            registryAuth: args.registry
                ? [{ address: args.registry.server, username: args.registry.username, password: args.registry.password }]
                : undefined,
            // The engine does not exist yet on a bare VPS when the first preview runs.
            disableDockerDaemonCheck: true,
        }, { parent: this, dependsOn: [acme, access] });
        this.registerOutputs({ network: this.network });
    }
}
