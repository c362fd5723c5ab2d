/**
 * The shell scripts that converge the VPS, run over SSH as the sudo user. Each is a real file
 * in host/ (read at plan time), idempotent: it checks the state first and says what it did.
 * Configuration reaches a script only as data, in the preamble of assignments written by
 * renderers/shellParams.ts; secrets never appear here, they arrive on stdin. Facts about the
 * installer: docs/host.md.
 */
import {
    allowedTcpPorts,
    assertKeepsSsh,
    FIREWALL_SCRIPT_PATH,
    FIREWALL_UNIT_NAME,
    renderFirewallEnv,
    renderFirewallScript,
    renderFirewallUnit,
    type FirewallOptions,
} from "./firewall";
import { hostStep, type ShellParams } from "./shellParams";

export { asRemoteCommand } from "./shellParams";

/** Where the scripts keep their own state on the host. */
export const STATE_DIR = "/var/lib/dropit";
export const TRAEFIK_STATIC_CONFIG = "/etc/dokploy/traefik/traefik.yml";

/** Non-interactive upgrade that waits (bounded) for another apt or dpkg to finish. */
export function renderSystemUpdate(): string {
    return hostStep("system-update");
}

/** Docker engine at the version Dokploy's installer expects, only when Docker is absent. */
export function renderDockerEngine(dockerVersion: string): string {
    return hostStep("docker-engine", { DOCKER_VERSION: dockerVersion });
}

/** Registry login before the first pull (Docker Hub's anonymous limit); password on stdin. */
export function renderRegistryLogin(server: string, username: string): string {
    return hostStep("registry-login", { REGISTRY_SERVER: server, REGISTRY_USERNAME: username });
}

export interface DokployInstallOptions {
    version: string;
    installerUrl: string;
    advertiseAddr: string;
    /** Where the "installer started" marker lives (tests point it elsewhere). */
    stateDir?: string;
    /** The installer is stopped after this long. Default INSTALLER_TIMEOUT_SECONDS. */
    timeoutSeconds?: number;
}

/** How many times an interrupted install is resumed before a person has to look. */
export const MAX_INSTALL_ATTEMPTS = 3;
/** Upstream's installer pulls three images and waits on the swarm: minutes, never half an hour. */
export const INSTALLER_TIMEOUT_SECONDS = 1800;

/** The install step's parameters, which the update step needs too (it may run the install). */
function dokployInstallParams(options: DokployInstallOptions): ShellParams {
    return {
        DOKPLOY_VERSION: options.version,
        INSTALLER_URL: options.installerUrl,
        ADVERTISE_ADDR: options.advertiseAddr,
        STATE_DIR: options.stateDir ?? STATE_DIR,
        MAX_INSTALL_ATTEMPTS,
        INSTALLER_TIMEOUT_SECONDS: options.timeoutSeconds ?? INSTALLER_TIMEOUT_SECONDS,
    };
}

/**
 * The release's installer when Dokploy is absent, and never on a live host: see
 * host/dokploy-install.sh (resumes an interrupted install at most MAX_INSTALL_ATTEMPTS times).
 */
export function renderDokployInstall(options: DokployInstallOptions): string {
    return hostStep("dokploy-install", dokployInstallParams(options));
}

/**
 * A changed `dokploy.version` goes through the installer's own `update` path; a host with no
 * Dokploy at all (a new server behind the same stack) gets the install step's run instead.
 */
export function renderDokployUpdate(options: DokployInstallOptions): string {
    return hostStep("dokploy-update", dokployInstallParams(options), { functions: { install_dokploy: "dokploy-install" } });
}

/** Let's Encrypt contact in Traefik's static config; Traefik restarted only on a change. */
export function renderAcmeContact(email: string, file: string = TRAEFIK_STATIC_CONFIG): string {
    return hostStep("acme-contact", { ACME_EMAIL: email, TRAEFIK_CONFIG: file });
}

/** How often Traefik lists the Swarm's tasks: what it routes by when services have no VIP (dnsrr). */
export function renderTraefikSwarmRefresh(seconds: number, file: string = TRAEFIK_STATIC_CONFIG): string {
    return hostStep("traefik-swarm-refresh", { REFRESH_SECONDS: String(seconds), TRAEFIK_CONFIG: file });
}

/** Docker access for the SSH user, which the Docker provider connects as. */
export function renderDockerAccess(user: string): string {
    return hostStep("docker-access", { DEPLOY_USER: user });
}

/**
 * The first Dokploy account (the owner) right after the install, from the JSON body on stdin:
 * the password is never an argument.
 */
export function renderAdminAccount(stateDir: string = STATE_DIR): string {
    return hostStep("admin-account", { STATE_DIR: stateDir });
}

/** Installs the text on stdin as `file` (mode 0600, root) when it differs. */
export function renderDynamicConfigFile(file: string): string {
    return hostStep("dynamic-config-file", { TARGET_FILE: file });
}

/** The Swarm config `name` holding the text on stdin (created unless it exists); its id on stdout. */
export function renderSwarmConfig(name: string): string {
    return hostStep("swarm-config", { CONFIG_NAME: name });
}

/** Removes the Swarm config `name` unless a service still uses it. */
export function renderRemoveSwarmConfig(name: string): string {
    return hostStep("swarm-config-remove", { CONFIG_NAME: name });
}

/** Deletes the Traefik dynamic `file` once no Swarm service's labels name any of `references`. */
export function renderRemoveUnusedDynamicConfig(file: string, references: readonly string[]): string {
    return hostStep("remove-unused-dynamic-config", { TARGET_FILE: file, REFERENCES: references.join(",") });
}

/** Unpublishes the panel's port 3000 once `https://<panelHost>` answers through Traefik. */
export function renderClosePanelPort(panelHost: string): string {
    return hostStep("close-panel-port", { PANEL_HOST: panelHost });
}

/**
 * The firewall (host/files/firewall.sh, its ports in /etc/dropit/firewall.env) installed as
 * FIREWALL_SCRIPT_PATH with a boot unit, then applied. Refused when the SSH session this runs
 * over arrives on a port the rules would close.
 */
export function renderFirewall(options: FirewallOptions): string {
    assertKeepsSsh(options);
    return hostStep("install-firewall", {
        TCP_PORTS: allowedTcpPorts(options).join(","),
        FIREWALL_ENV: renderFirewallEnv(options).trimEnd(),
        FIREWALL_SCRIPT: renderFirewallScript().trimEnd(),
        FIREWALL_UNIT: renderFirewallUnit().trimEnd(),
    });
}
export { FIREWALL_SCRIPT_PATH, FIREWALL_UNIT_NAME };

/**
 * The documented uninstall, run by `pulumi destroy` only when dokploy.uninstallOnDestroy is
 * set: Dokploy's services, container, volumes, network, the swarm, /etc/dokploy and our state.
 */
export function renderDokployUninstall(stateDir: string = STATE_DIR): string {
    return hostStep("dokploy-uninstall", { STATE_DIR: stateDir });
}
