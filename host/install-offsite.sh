#!/usr/bin/env bash
# Installs what sits around the backup timer's run when an offsite repository or a ping URL is
# configured: restic (Debian's package), dropit-backup-run and dropit-pg-offsite
# (host/files/), the backup service's drop-in that runs dropit-backup-run, the weekly check's
# unit and timer, /etc/dropit/pg-offsite.env (0644) and, from stdin, /etc/dropit/pg-offsite.secrets
# (0600: repository, its password, credentials, ping URL, the sftp key). Then creates the
# repository unless it exists, so wrong credentials fail `pulumi up`, not the first night.
# Parameters: OFFSITE (1: a repository is configured, 0: ping only), OFFSITE_ENV, RUN_SCRIPT,
# OFFSITE_SCRIPT, BACKUP_DROPIN, CHECK_SERVICE, CHECK_TIMER, CHECK_SCHEDULE, KNOWN_HOSTS (empty
# unless sftp:) and SUMMARY (the line printed at the end).
: "${OFFSITE:?}" "${OFFSITE_ENV:?}" "${RUN_SCRIPT:?}" "${OFFSITE_SCRIPT:?}" "${BACKUP_DROPIN:?}"
: "${CHECK_SERVICE:?}" "${CHECK_TIMER:?}" "${CHECK_SCHEDULE:?}" "${KNOWN_HOSTS?}" "${SUMMARY:?}"
# The temporary copies of the secrets are this user's alone.
umask 077
sudo test -r /etc/dropit/pg-backup.env || { echo "dropit: /etc/dropit/pg-backup.env is missing: the backups step must run first" >&2; exit 1; }

if [ "$OFFSITE" = 1 ] && ! command -v restic >/dev/null 2>&1; then
  apt_install() { sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q -y --no-install-recommends install restic >/dev/null; }
  apt_install || { sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q update >/dev/null && apt_install; }
  echo "dropit: restic installed ($(restic version | cut -d' ' -f1-2))"
fi

secrets=$(mktemp)
key=$(mktemp)
trap 'rm -f "$secrets" "$key"' EXIT
cat >"$secrets"
install_if_changed /etc/dropit/pg-offsite.secrets 0600 <"$secrets"
# shellcheck source=/dev/null
(. "$secrets" && printf '%s\n' "${SFTP_PRIVATE_KEY:-}") >"$key"
if [ -n "$KNOWN_HOSTS" ]; then
  install_if_changed /etc/dropit/pg-offsite-ssh/id 0600 <"$key"
  printf '%s\n' "$KNOWN_HOSTS" | install_if_changed /etc/dropit/pg-offsite-ssh/known_hosts 0644
fi

printf '%s\n' "$OFFSITE_ENV" | install_if_changed /etc/dropit/pg-offsite.env 0644
printf '%s\n' "$RUN_SCRIPT" | install_if_changed /usr/local/sbin/dropit-backup-run 0755
printf '%s\n' "$OFFSITE_SCRIPT" | install_if_changed /usr/local/sbin/dropit-pg-offsite 0755
printf '%s\n' "$BACKUP_DROPIN" | install_if_changed /etc/systemd/system/dropit-pg-backup.service.d/offsite.conf 0644
if [ "$OFFSITE" = 1 ]; then
  printf '%s\n' "$CHECK_SERVICE" | install_if_changed /etc/systemd/system/dropit-pg-check.service 0644
  printf '%s\n' "$CHECK_TIMER" | install_if_changed /etc/systemd/system/dropit-pg-check.timer 0644
  printf '%s\n' "$CHECK_SCHEDULE" | install_if_changed /etc/systemd/system/dropit-pg-check.timer.d/schedule.conf 0644
fi
if [ "$OFFSITE" = 1 ]; then
  # What `systemctl enable` does, so it also holds where systemd is not running (containers).
  sudo mkdir -p /etc/systemd/system/timers.target.wants
  sudo ln -sfn /etc/systemd/system/dropit-pg-check.timer /etc/systemd/system/timers.target.wants/dropit-pg-check.timer
fi
if [ -d /run/systemd/system ]; then
  sudo systemctl daemon-reload
  [ "$OFFSITE" = 0 ] || sudo systemctl start dropit-pg-check.timer
fi
[ "$OFFSITE" = 0 ] || sudo /usr/local/sbin/dropit-pg-offsite init
echo "dropit: $SUMMARY"
