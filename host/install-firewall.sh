#!/usr/bin/env bash
# The firewall (host/files/firewall.sh, its parameters in /etc/dropit/firewall.env) installed
# with a boot unit, then applied. Refused when the SSH session this runs over arrives on a
# port the rules would close.
# Parameters: TCP_PORTS (comma-separated), FIREWALL_SCRIPT, FIREWALL_ENV, FIREWALL_UNIT (file contents).
: "${TCP_PORTS:?}" "${FIREWALL_SCRIPT:?}" "${FIREWALL_ENV:?}" "${FIREWALL_UNIT:?}"
allowed=${TCP_PORTS//,/ }
live_port=$(echo "${SSH_CONNECTION:-}" | awk '{ print $4 }')
if [ -n "$live_port" ] && ! echo " $allowed " | grep -q " $live_port "; then
  echo "dropit: refusing the firewall: this SSH session arrives on port $live_port, which it would close (allowed: $allowed); set dropit:firewall.sshPort" >&2
  exit 1
fi
unit=/etc/systemd/system/dropit-firewall.service
printf '%s\n' "$FIREWALL_ENV" | install_if_changed /etc/dropit/firewall.env 0644
printf '%s\n' "$FIREWALL_SCRIPT" | install_if_changed /etc/dropit/firewall.sh 0700
printf '%s\n' "$FIREWALL_UNIT" | install_if_changed "$unit" 0644
# What `systemctl enable` does, so it also holds where systemd is not running (containers).
sudo mkdir -p /etc/systemd/system/multi-user.target.wants
sudo ln -sfn "$unit" /etc/systemd/system/multi-user.target.wants/dropit-firewall.service
if [ -d /run/systemd/system ]; then sudo systemctl daemon-reload; fi
sudo sh /etc/dropit/firewall.sh
