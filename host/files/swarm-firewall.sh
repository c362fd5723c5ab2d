#!/bin/sh
# /etc/dropit/swarm-firewall.sh, installed by dropit-infra (host/files/swarm-firewall.sh) on every
# node of a multi-node Swarm; re-applied at boot by dropit-swarm-firewall.service, after the host
# firewall. Its parameters are in /etc/dropit/swarm-firewall.env:
#   PEERS    the other nodes' Swarm addresses, comma-separated (IPv4 or IPv6)
#   MANAGER  1 on a manager (admits 2377/tcp, the Swarm's control plane), 0 on a worker
# From the external interface, Swarm's ports (7946/tcp+udp gossip, 4789/udp VXLAN data, and
# 2377/tcp on managers) are admitted from the peers only and dropped from anyone else. The chain
# DROPIT-SWARM is rebuilt on each run and jumped to first in INPUT, before the host firewall's
# DROPIT-INPUT (which drops whatever it does not list).
set -eu
env_file=${DROPIT_SWARM_FIREWALL_ENV:-/etc/dropit/swarm-firewall.env}
# shellcheck source=/dev/null
. "$env_file"
fail() { echo "dropit-swarm-firewall: $*" >&2; exit 1; }
case "${MANAGER:-}" in 0 | 1) ;; *) fail "MANAGER in $env_file must be 0 or 1" ;; esac
peers=$(echo "${PEERS:-}" | tr , " ")
for peer in $peers; do
  case "$peer" in *[!0-9A-Fa-f.:]*) fail "PEERS in $env_file holds $peer, not an address" ;; esac
done

ext=$(ip -o route show default | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')
[ -n "$ext" ] || fail "no default route, cannot tell the external interface"

apply() {
  ipt=$1
  family=$2
  $ipt -N DROPIT-SWARM 2>/dev/null || $ipt -F DROPIT-SWARM
  $ipt -A DROPIT-SWARM ! -i "$ext" -j RETURN
  for peer in $peers; do
    case "$peer" in *:*) [ "$family" = 6 ] || continue ;; *) [ "$family" = 4 ] || continue ;; esac
    if [ "$MANAGER" = 1 ]; then $ipt -A DROPIT-SWARM -s "$peer" -p tcp --dport 2377 -j ACCEPT; fi
    $ipt -A DROPIT-SWARM -s "$peer" -p tcp --dport 7946 -j ACCEPT
    $ipt -A DROPIT-SWARM -s "$peer" -p udp --dport 7946 -j ACCEPT
    $ipt -A DROPIT-SWARM -s "$peer" -p udp --dport 4789 -j ACCEPT
  done
  for port in 2377 7946; do $ipt -A DROPIT-SWARM -p tcp --dport "$port" -j DROP; done
  for port in 7946 4789; do $ipt -A DROPIT-SWARM -p udp --dport "$port" -j DROP; done
  # First in INPUT whatever was inserted since (the host firewall inserts its own jump first).
  while $ipt -D INPUT -j DROPIT-SWARM 2>/dev/null; do :; done
  $ipt -I INPUT 1 -j DROPIT-SWARM
}

apply iptables 4
if command -v ip6tables >/dev/null 2>&1 && ip6tables -L -n >/dev/null 2>&1; then
  apply ip6tables 6
fi
echo "dropit-swarm-firewall: Swarm ports on $ext admitted from: ${peers:-nobody}"
