#!/usr/bin/env bash
# Installs (or refreshes) the watchdog (host/files/dropit-watchdog.sh), its parameters
# (/etc/dropit/watchdog.env), its secrets (/etc/dropit/watchdog.secrets.env, 0600, from stdin:
# ALERT_URL and HEARTBEAT_URL assignments), the systemd service and timer, and enables the timer.
# Its state (/var/lib/dropit/watchdog) is kept: a re-install does not re-fire what already fired.
# Parameters: the files' contents (WATCHDOG_ENV_TEXT, WATCHDOG_SCRIPT, WATCHDOG_SERVICE,
# WATCHDOG_TIMER) and, for the summary line, WATCHED and ALERTS_TO.
: "${WATCHDOG_ENV_TEXT:?}" "${WATCHDOG_SCRIPT:?}" "${WATCHDOG_SERVICE:?}" "${WATCHDOG_TIMER:?}" "${WATCHED:?}" "${ALERTS_TO:?}"
# The watchdog reads Docker's Engine API with curl and jq.
if ! command -v jq >/dev/null 2>&1; then
  sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q -y install --no-install-recommends jq >/dev/null
  echo "dropit: jq installed"
fi
sudo install -d -m 0755 -o root -g root /etc/dropit
# The secrets never touch a file readable by others, not even for a moment.
secrets=$(sudo mktemp /etc/dropit/.watchdog.secrets.XXXXXX)
sudo chmod 0600 "$secrets"
sudo tee "$secrets" >/dev/null
if sudo cmp -s "$secrets" /etc/dropit/watchdog.secrets.env; then
  sudo rm -f "$secrets"
else
  sudo mv "$secrets" /etc/dropit/watchdog.secrets.env
  echo "dropit: /etc/dropit/watchdog.secrets.env written"
fi
printf '%s\n' "$WATCHDOG_ENV_TEXT" | install_if_changed /etc/dropit/watchdog.env 0644
printf '%s\n' "$WATCHDOG_SCRIPT" | install_if_changed /usr/local/sbin/dropit-watchdog 0755
printf '%s\n' "$WATCHDOG_SERVICE" | install_if_changed /etc/systemd/system/dropit-watchdog.service 0644
printf '%s\n' "$WATCHDOG_TIMER" | install_if_changed /etc/systemd/system/dropit-watchdog.timer 0644
# What `systemctl enable` does, so it also holds where systemd is not running (containers).
sudo mkdir -p /etc/systemd/system/timers.target.wants
sudo ln -sfn /etc/systemd/system/dropit-watchdog.timer /etc/systemd/system/timers.target.wants/dropit-watchdog.timer
if [ -d /run/systemd/system ]; then
  sudo systemctl daemon-reload
  sudo systemctl start dropit-watchdog.timer
fi
echo "dropit: watchdog installed (dropit-watchdog.timer, every minute: $WATCHED; alerts: $ALERTS_TO)"
