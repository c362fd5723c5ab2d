/**
 * The host firewall: from the external interface only SSH, 80 and 443 are reachable, including
 * for ports Docker publishes. The rules are a static script (host/files/firewall.sh) whose
 * parameters (the SSH port and the allowed TCP ports) live in /etc/dropit/firewall.env,
 * written here with the one quoting function. Pure text: no Pulumi imports.
 */
import { hostFile, shellAssignments } from "./shellParams";

export interface FirewallOptions {
    /** The port sshd listens on at the host (may differ from server.port behind a port-forward). */
    sshPort: number;
    /** TCP ports reachable from outside besides SSH (HTTP and HTTPS; HTTPS also over UDP for HTTP/3). */
    publicTcpPorts?: readonly number[];
}

export const FIREWALL_SCRIPT_PATH = "/etc/dropit/firewall.sh";
export const FIREWALL_ENV_PATH = "/etc/dropit/firewall.env";
export const FIREWALL_UNIT_NAME = "dropit-firewall.service";
export const WEB_PORTS = [80, 443] as const;

export function allowedTcpPorts(options: FirewallOptions): number[] {
    return [...new Set([options.sshPort, ...(options.publicTcpPorts ?? WEB_PORTS)])].sort((a, b) => a - b);
}

const isTcpPort = (port: number) => Number.isInteger(port) && port >= 1 && port <= 65535;

/**
 * Refuses a rule set that would cut the SSH session the program itself runs over. Called at
 * render time (configuration) and, in the script, against the live session's port.
 */
export function assertKeepsSsh(options: FirewallOptions): void {
    if (!isTcpPort(options.sshPort)) throw new Error(`firewall: SSH port ${options.sshPort} is not a TCP port`);
    for (const port of options.publicTcpPorts ?? []) if (!isTcpPort(port)) throw new Error(`firewall: ${port} is not a TCP port`);
    if (!allowedTcpPorts(options).includes(options.sshPort)) throw new Error(`firewall: SSH port ${options.sshPort} would be closed`);
}

/** /etc/dropit/firewall.env: the parameters the apply script reads. */
export function renderFirewallEnv(options: FirewallOptions): string {
    assertKeepsSsh(options);
    return `# Written by dropit-infra: the parameters of ${FIREWALL_SCRIPT_PATH}.\n${shellAssignments({
        SSH_PORT: options.sshPort,
        TCP_PORTS: allowedTcpPorts(options).join(","),
    })}\n`;
}

/** The apply script (POSIX sh, run as root at every `pulumi up` and at boot by the unit): a static file. */
export function renderFirewallScript(): string {
    return hostFile("files/firewall.sh");
}

/** Re-applies the rules at boot, after Docker (which would otherwise create DOCKER-USER empty). */
export function renderFirewallUnit(): string {
    return hostFile("files/dropit-firewall.service");
}
