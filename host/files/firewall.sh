#!/bin/sh
# /etc/dropit/firewall.sh, installed by dropit-infra (host/files/firewall.sh); re-applied at
# boot by dropit-firewall.service. Its parameters are in /etc/dropit/firewall.env:
#   SSH_PORT   the port sshd listens on (never closed)
#   TCP_PORTS  every TCP port reachable from outside, comma-separated (SSH_PORT, 80, 443)
# From the external interface: TCP_PORTS and UDP 443 (HTTP/3); everything else that is new is
# dropped, including ports Docker publishes (DOCKER-USER, which Docker evaluates first in
# FORWARD and never flushes). Other interfaces (lo, the Docker bridges, the overlay) are not
# filtered here. Rules live in chains of our own (DROPIT-INPUT, DROPIT-DOCKER), rebuilt on each
# run and hooked in once, so re-applying is idempotent and leaves the rules of others alone.
set -eu
env_file=${DROPIT_FIREWALL_ENV:-/etc/dropit/firewall.env}
# shellcheck source=/dev/null
. "$env_file"
fail() { echo "dropit-firewall: $*" >&2; exit 1; }
is_port() { case "$1" in "" | *[!0-9]*) return 1 ;; esac; [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }
is_port "${SSH_PORT:-}" || fail "SSH_PORT in $env_file is not a TCP port"
tcp_ports=$(echo "${TCP_PORTS:-}" | tr , " ")
ssh_kept=""
for port in $tcp_ports; do
  is_port "$port" || fail "TCP_PORTS in $env_file holds $port, not a TCP port"
  [ "$port" = "$SSH_PORT" ] && ssh_kept=1
done
[ -n "$ssh_kept" ] || fail "TCP_PORTS in $env_file does not keep the SSH port $SSH_PORT"

ext=$(ip -o route show default | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')
[ -n "$ext" ] || fail "no default route, cannot tell the external interface"

apply() {
  ipt=$1
  $ipt -N DROPIT-INPUT 2>/dev/null || $ipt -F DROPIT-INPUT
  $ipt -A DROPIT-INPUT ! -i "$ext" -j RETURN
  $ipt -A DROPIT-INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  $ipt -A DROPIT-INPUT -p "$2" -j ACCEPT
  for port in $tcp_ports; do
    $ipt -A DROPIT-INPUT -p tcp --dport "$port" -j ACCEPT
  done
  $ipt -A DROPIT-INPUT -p udp --dport 443 -j ACCEPT
  $ipt -A DROPIT-INPUT -j DROP
  $ipt -C INPUT -j DROPIT-INPUT 2>/dev/null || $ipt -I INPUT 1 -j DROPIT-INPUT

  # Docker creates DOCKER-USER when it starts; create it first if we run before Docker.
  $ipt -N DOCKER-USER 2>/dev/null || true
  $ipt -N DROPIT-DOCKER 2>/dev/null || $ipt -F DROPIT-DOCKER
  $ipt -A DROPIT-DOCKER ! -i "$ext" -j RETURN
  $ipt -A DROPIT-DOCKER -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
  for port in $tcp_ports; do
    [ "$port" = "$SSH_PORT" ] && continue
    $ipt -A DROPIT-DOCKER -p tcp -m conntrack --ctorigdstport "$port" -j RETURN
  done
  $ipt -A DROPIT-DOCKER -p udp -m conntrack --ctorigdstport 443 -j RETURN
  $ipt -A DROPIT-DOCKER -j DROP
  $ipt -C DOCKER-USER -j DROPIT-DOCKER 2>/dev/null || $ipt -I DOCKER-USER 1 -j DROPIT-DOCKER
}

apply iptables icmp
if command -v ip6tables >/dev/null 2>&1 && ip6tables -L -n >/dev/null 2>&1; then
  apply ip6tables ipv6-icmp
fi
echo "dropit-firewall: applied on $ext (tcp $tcp_ports, udp 443)"
