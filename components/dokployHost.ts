/**
 * The host under Dokploy: takes the VPS from bare Debian to a running, secured Dokploy (Swarm, dokploy-network, Traefik
 * with Let's Encrypt, an owner account, the panel and Traefik's dashboard on their domains over
 * HTTPS, port 3000 closed, a firewall) over SSH as the sudo user, then opens a Docker provider
 * to it. The installer is a one-way door (it starts with `docker swarm leave --force`): see
 * host/dokploy-install.sh. What this changes on the host, step by step: docs/host.md.
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
    DASHBOARD_ROUTE_FILE,
    DASHBOARD_USER,
    PANEL_ROUTE_FILE,
    renderDashboardRoutes,
    renderPanelRoutes,
} from "../renderers/dokployPanel";
import {
    renderAcmeContact,
    renderAdminAccount,
    renderClosePanelPort,
    renderDockerAccess,
    renderDokployInstall,
    renderDokployUninstall,
    renderDokployUpdate,
    renderDynamicConfigFile,
    renderTraefikSwarmRefresh,
} from "../renderers/hostScripts";
import { DOKPLOY_NETWORK } from "../config/names";
import { remoteConnection, ServerLogin } from "../lib/sshConnection";
import { writeSshIdentity } from "../lib/sshIdentity";
import { convergeHostBase, hostCommand, type RegistryCredentials } from "../lib/hostConvergence";

export type { RegistryCredentials };

export type ServerConnection = ServerLogin;

/**
 * Plain values shape what is rendered at plan time (scripts, labels, health checks, content tags);
 * `pulumi.Input` where a value may be computed by another resource.
 */
export interface DokployHostArgs {
    /** The VPS and how to log in: address, SSH port, sudo user, private key, pinned host key. */
    server: ServerConnection;
    /** Pinned release tag, e.g. v0.29.2. */
    version: string;
    /** The Docker Engine version installed before Dokploy's installer runs. */
    dockerVersion: string;
    /** Defaults to the release's own install.sh. */
    installerUrl?: string;
    /** Let's Encrypt's contact address for the certificates Traefik requests. */
    acmeEmail: string;
    /** A registry the host logs in to (private images); none by default. */
    registry?: RegistryCredentials;
    /** The panel's public host (`dokploy.<domain>`) and Traefik dashboard's (`traefik.<domain>`). */
    panelHost: string;
    /** Traefik dashboard's public host (`traefik.<domain>`), behind basic auth. */
    dashboardHost: string;
    /** The Dokploy owner account's email; its password is generated (`adminPassword`). */
    adminEmail: string;
    /** Resources after which the hosts resolve to the VPS (DnsZone.readiness): certificates wait on them. */
    certificateGate?: pulumi.Resource[];
    /** The port sshd listens on at the host; the firewall keeps it open. Defaults to server.port. */
    firewallSshPort?: number;
    /** Run the documented uninstall on `pulumi destroy` (default false: Dokploy and its data stay). */
    uninstallOnDestroy?: boolean;
    /** The address Swarm advertises (the one other nodes reach); default server.host. */
    swarmAddress?: string;
    /** How often Traefik lists the Swarm's tasks, set only for services without a VIP (dnsrr); Dokploy's 15 s otherwise. */
    swarmRefreshSeconds?: number;
}

export const DOKPLOY_HOST_TYPE = "dropit:index:DokployHost";
/** The type token this component had as `DokployInstall`, kept as an alias. */
export const PREVIOUS_DOKPLOY_HOST_TYPE = "dropit:index:DokployInstall";

export function releaseInstallerUrl(version: string): string {
    return `https://github.com/Dokploy/dokploy/releases/download/${version}/install.sh`;
}

export class DokployHost extends pulumi.ComponentResource {
    /** Docker engine of the VPS, over SSH; usable once Dokploy and Docker access exist. */
    readonly dockerProvider: docker.Provider;
    /** The overlay network Dokploy's Traefik routes on. */
    readonly network = DOKPLOY_NETWORK;
    /** Its ID, which services must reference (Swarm stores, and the provider reads back, only the ID). */
    readonly networkId: pulumi.Output<string>;
    /** Registry credentials for services that pull images. */
    readonly registryAuth?: docker.types.input.ServiceAuth;
    /** Password of the Dokploy owner account (`adminEmail`), secret. */
    readonly adminPassword: pulumi.Output<string>;
    /** Password of Traefik's dashboard (user `admin`), secret. */
    readonly dashboardPassword: pulumi.Output<string>;
    readonly dashboardUser = DASHBOARD_USER;
    /** The SSH connection of every remote command on this host (other components reuse it). */
    readonly connection: command.types.input.remote.ConnectionArgs;

    constructor(name: string, args: DokployHostArgs, opts?: pulumi.ComponentResourceOptions) {
        // Registered as DokployInstall until the component was renamed: the alias keeps existing
        // stacks (this resource and, through it, every child) in place.
        super(DOKPLOY_HOST_TYPE, name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), { type: PREVIOUS_DOKPLOY_HOST_TYPE }] });
        const connection = remoteConnection(args.server);
        this.connection = connection;
        const step = (stepName: string, create: string, extra: Partial<command.remote.CommandArgs>, after: pulumi.Resource[]) =>
            hostCommand(this, name, connection, stepName, create, extra, after);

        const { firewall } = convergeHostBase(this, name, {
            connection,
            dockerVersion: args.dockerVersion,
            registry: args.registry,
            firewallSshPort: args.firewallSshPort ?? args.server.port,
        });
        const installOptions = {
            version: args.version,
            installerUrl: args.installerUrl ?? releaseInstallerUrl(args.version),
            advertiseAddr: args.swarmAddress ?? args.server.host,
        };
        const install = step(
            "dokploy",
            renderDokployInstall(installOptions),
            {
                update: renderDokployUpdate(installOptions),
                // Removing the resource uninstalls Dokploy only on request (docs/host.md, Uninstall).
                delete: args.uninstallOnDestroy ? renderDokployUninstall() : undefined,
            },
            [firewall],
        );
        const acme = step("acme-contact", renderAcmeContact(args.acmeEmail), {}, [install]);
        const access = step("docker-access", renderDockerAccess(args.server.user), {}, [install]);
        // After the contact step: both rewrite Traefik's static config and restart it.
        const taskListing =
            args.swarmRefreshSeconds === undefined
                ? undefined
                : step("traefik-swarm-refresh", renderTraefikSwarmRefresh(args.swarmRefreshSeconds), {}, [acme]);
        const staticConfig = taskListing ? [acme, taskListing] : [acme];

        const adminPassword = new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, { parent: this });
        this.adminPassword = pulumi.secret(adminPassword.result);
        const admin = step(
            "admin-account",
            renderAdminAccount(),
            {
                stdin: pulumi.secret(pulumi.jsonStringify({ name: "Admin", email: args.adminEmail, password: adminPassword.result })),
                logging: "stdoutAndStderr",
            },
            [install],
        );

        // Routes that ask Let's Encrypt for a certificate: after the contact is set and DNS answers.
        const certificateGate = args.certificateGate ?? [];
        const panelRoute = step(
            "panel-route",
            renderDynamicConfigFile(PANEL_ROUTE_FILE),
            {
                stdin: renderPanelRoutes(args.panelHost),
            },
            [...staticConfig, ...certificateGate],
        );
        const dashboardPassword = new random.RandomPassword(`${name}-dashboard-password`, { length: 32, special: false }, { parent: this });
        this.dashboardPassword = pulumi.secret(dashboardPassword.result);
        step(
            "dashboard-route",
            renderDynamicConfigFile(DASHBOARD_ROUTE_FILE),
            {
                stdin: pulumi.secret(dashboardPassword.bcryptHash.apply((hash) => renderDashboardRoutes(args.dashboardHost, hash))),
                logging: "stdoutAndStderr",
            },
            [...staticConfig, ...certificateGate],
        );
        const closePort = step("close-panel-port", renderClosePanelPort(args.panelHost), {}, [panelRoute, admin]);

        if (args.registry) {
            this.registryAuth = {
                serverAddress: args.registry.server,
                username: args.registry.username,
                password: pulumi.secret(args.registry.password),
            };
        }
        const target = { host: args.server.host, port: args.server.port, hostKey: args.server.hostKey };
        this.dockerProvider = new docker.Provider(
            `${name}-docker`,
            {
                host: `ssh://${args.server.user}@${args.server.host}:${args.server.port}`,
                sshOpts: pulumi.secret(args.server.privateKey).apply((key) => writeSshIdentity(target, key)),
                registryAuth: args.registry
                    ? [{ address: args.registry.server, username: args.registry.username, password: pulumi.secret(args.registry.password) }]
                    : undefined,
                // The engine does not exist yet on a bare VPS when the first preview runs.
                disableDockerDaemonCheck: true,
            },
            { parent: this, dependsOn: [...staticConfig, access, closePort] },
        );
        // The installer creates the network, so the lookup waits for the output of the step after
        // it (docker-access runs once the install is done): unknown in the preview of a bare host,
        // the lookup is skipped there. `dependsOn` alone would not do: the SDK skips an invoke only
        // when a dependency's id is unknown, and a previewed remote command already has one, so the
        // lookup would dial a host without Docker. Not the install's own output: a new
        // dokploy.version updates the install, its output is unknown in that preview, and every
        // service on the network would be shown as replaced (the up then changes none of them).
        const networkName = access.stdout.apply(() => DOKPLOY_NETWORK);
        this.networkId = docker.getNetworkOutput({ name: networkName }, { provider: this.dockerProvider }).id;
        this.registerOutputs({ network: this.network, networkId: this.networkId });
    }
}
