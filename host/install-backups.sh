#!/usr/bin/env bash
# Installs (or refreshes) the backup and restore commands (host/files/dropit-pg-*.sh), their
# parameters (/etc/dropit/pg-backup.env), the systemd service and timer with its schedule,
# and enables the timer.
# Parameters: the files' contents (BACKUP_ENV, BACKUP_SCRIPT, RESTORE_SCRIPT, BACKUP_SERVICE,
# BACKUP_TIMER, BACKUP_SCHEDULE) and, for the summary line, SCHEDULE, KEEP_COUNT, KEEP_DAYS, BACKUP_DIR.
: "${BACKUP_ENV:?}" "${BACKUP_SCRIPT:?}" "${RESTORE_SCRIPT:?}" "${BACKUP_SERVICE:?}" "${BACKUP_TIMER:?}" "${BACKUP_SCHEDULE:?}"
: "${SCHEDULE:?}" "${KEEP_COUNT:?}" "${KEEP_DAYS:?}" "${BACKUP_DIR:?}"
printf '%s\n' "$BACKUP_ENV" | install_if_changed /etc/dropit/pg-backup.env 0644
printf '%s\n' "$BACKUP_SCRIPT" | install_if_changed /usr/local/sbin/dropit-pg-backup 0755
printf '%s\n' "$RESTORE_SCRIPT" | install_if_changed /usr/local/sbin/dropit-pg-restore 0755
printf '%s\n' "$BACKUP_SERVICE" | install_if_changed /etc/systemd/system/dropit-pg-backup.service 0644
printf '%s\n' "$BACKUP_TIMER" | install_if_changed /etc/systemd/system/dropit-pg-backup.timer 0644
printf '%s\n' "$BACKUP_SCHEDULE" | install_if_changed /etc/systemd/system/dropit-pg-backup.timer.d/schedule.conf 0644
sudo systemctl daemon-reload
sudo systemctl enable --now dropit-pg-backup.timer >/dev/null
echo "dropit: backups installed (/usr/local/sbin/dropit-pg-backup, timer dropit-pg-backup.timer: $SCHEDULE, keep $KEEP_COUNT / $KEEP_DAYS days in $BACKUP_DIR)"
