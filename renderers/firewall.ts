/**
 * The host firewall: from the external interface only SSH, 80 and 443 are reachable, including
 * for ports Docker publishes (Docker's DNAT bypasses INPUT, so the same policy is applied in the
 * `DOCKER-USER` chain, which Docker evaluates first in FORWARD and never flushes).
 *
 * Rules live in two chains of our own (`DROPIT-INPUT`, `DROPIT-DOCKER`) that the apply script
 * rebuilds each time and hooks in once, so re-applying is idempotent and leaves Docker's and
 * anyone else's rules alone. Pure text: no Pulumi imports.
 */

export interface FirewallOptions {
    /** The port sshd listens on at the host (may differ from server.port behind a port-forward). */
    sshPort: number;
    /** TCP ports reachable from outside besides SSH (HTTP and HTTPS; HTTPS also over UDP for HTTP/3). */
    publicTcpPorts?: readonly number[];
}

export const FIREWALL_SCRIPT_PATH = "/etc/dropit/firewall.sh";
export const FIREWALL_UNIT_NAME = "dropit-firewall.service";
export const WEB_PORTS = [80, 443] as const;

export function allowedTcpPorts(options: FirewallOptions): number[] {
    return [...new Set([options.sshPort, ...(options.publicTcpPorts ?? WEB_PORTS)])].sort((a, b) => a - b);
}

/**
 * Refuses a rule set that would cut the SSH session the program itself runs over. Called at
 * render time (configuration) and, in the script, against the live session's port.
 */
export function assertKeepsSsh(options: FirewallOptions): void {
    if (!Number.isInteger(options.sshPort) || options.sshPort < 1 || options.sshPort > 65535) {
        throw new Error(`firewall: SSH port ${options.sshPort} is not a TCP port`);
    }
    if (!allowedTcpPorts(options).includes(options.sshPort)) throw new Error(`firewall: SSH port ${options.sshPort} would be closed`);
}

/** The apply script (POSIX sh, run as root at every `pulumi up` and at boot by the unit). */
export function renderFirewallScript(options: FirewallOptions): string {
    assertKeepsSsh(options);
    const tcp = allowedTcpPorts(options);
    const inputAccepts = tcp.map((port) => `  $ipt -A DROPIT-INPUT -p tcp --dport ${port} -j ACCEPT`).join("\n");
    const dockerAccepts = tcp
        .filter((port) => port !== options.sshPort)
        .map((port) => `  $ipt -A DROPIT-DOCKER -p tcp -m conntrack --ctorigdstport ${port} -j RETURN`)
        .join("\n");
    return `#!/bin/sh
# Written by dropit-infra (renderers/firewall.ts); re-applied at boot by ${FIREWALL_UNIT_NAME}.
# From the external interface: TCP ${tcp.join(", ")} and UDP 443 (HTTP/3); everything else that
# is new is dropped, including ports Docker publishes (DOCKER-USER). Other interfaces (lo,
# Docker's bridges, the overlay) are not filtered here.
set -eu
ext=$(ip -o route show default | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')
[ -n "$ext" ] || { echo "dropit-firewall: no default route, cannot tell the external interface" >&2; exit 1; }

apply() {
  ipt=$1
  $ipt -N DROPIT-INPUT 2>/dev/null || $ipt -F DROPIT-INPUT
  $ipt -A DROPIT-INPUT ! -i "$ext" -j RETURN
  $ipt -A DROPIT-INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  $ipt -A DROPIT-INPUT -p "$2" -j ACCEPT
${inputAccepts}
  $ipt -A DROPIT-INPUT -p udp --dport 443 -j ACCEPT
  $ipt -A DROPIT-INPUT -j DROP
  $ipt -C INPUT -j DROPIT-INPUT 2>/dev/null || $ipt -I INPUT 1 -j DROPIT-INPUT

  # Docker creates DOCKER-USER when it starts; create it first if we run before Docker.
  $ipt -N DOCKER-USER 2>/dev/null || true
  $ipt -N DROPIT-DOCKER 2>/dev/null || $ipt -F DROPIT-DOCKER
  $ipt -A DROPIT-DOCKER ! -i "$ext" -j RETURN
  $ipt -A DROPIT-DOCKER -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
${dockerAccepts}
  $ipt -A DROPIT-DOCKER -p udp -m conntrack --ctorigdstport 443 -j RETURN
  $ipt -A DROPIT-DOCKER -j DROP
  $ipt -C DOCKER-USER -j DROPIT-DOCKER 2>/dev/null || $ipt -I DOCKER-USER 1 -j DROPIT-DOCKER
}

apply iptables icmp
if command -v ip6tables >/dev/null 2>&1 && ip6tables -L -n >/dev/null 2>&1; then
  apply ip6tables ipv6-icmp
fi
echo "dropit-firewall: applied on $ext (tcp ${tcp.join(" ")}, udp 443)"
`;
}

/** Re-applies the rules at boot, after Docker (which would otherwise create DOCKER-USER empty). */
export function renderFirewallUnit(): string {
    return `[Unit]
Description=dropit-infra host firewall (SSH, 80, 443 only from outside)
Wants=network-online.target
After=network-online.target docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh ${FIREWALL_SCRIPT_PATH}

[Install]
WantedBy=multi-user.target
`;
}
