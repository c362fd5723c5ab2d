#!/usr/bin/env bash
# The Swarm firewall (host/files/swarm-firewall.sh, its parameters in
# /etc/dropit/swarm-firewall.env) installed with a boot unit that runs after the host firewall,
# then applied.
# Parameters: SWARM_FIREWALL_ENV, SWARM_FIREWALL_SCRIPT, SWARM_FIREWALL_UNIT (file contents).
: "${SWARM_FIREWALL_ENV:?}" "${SWARM_FIREWALL_SCRIPT:?}" "${SWARM_FIREWALL_UNIT:?}"
unit=/etc/systemd/system/dropit-swarm-firewall.service
printf '%s\n' "$SWARM_FIREWALL_ENV" | install_if_changed /etc/dropit/swarm-firewall.env 0644
printf '%s\n' "$SWARM_FIREWALL_SCRIPT" | install_if_changed /etc/dropit/swarm-firewall.sh 0700
printf '%s\n' "$SWARM_FIREWALL_UNIT" | install_if_changed "$unit" 0644
sudo mkdir -p /etc/systemd/system/multi-user.target.wants
sudo ln -sfn "$unit" /etc/systemd/system/multi-user.target.wants/dropit-swarm-firewall.service
if [ -d /run/systemd/system ]; then sudo systemctl daemon-reload; fi
sudo sh /etc/dropit/swarm-firewall.sh
