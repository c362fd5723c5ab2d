#!/usr/bin/env bash
# Removes the watchdog (monitoring.enabled false, or pulumi destroy): the timer, the service, the
# script, its parameters and secrets, and its state.
if [ -d /run/systemd/system ]; then
  sudo systemctl disable --now dropit-watchdog.timer >/dev/null 2>&1 || true
fi
sudo rm -f /etc/systemd/system/timers.target.wants/dropit-watchdog.timer /etc/systemd/system/dropit-watchdog.timer /etc/systemd/system/dropit-watchdog.service \
  /usr/local/sbin/dropit-watchdog /etc/dropit/watchdog.env /etc/dropit/watchdog.secrets.env
sudo rm -rf /var/lib/dropit/watchdog
if [ -d /run/systemd/system ]; then sudo systemctl daemon-reload; fi
echo "dropit: watchdog removed"
