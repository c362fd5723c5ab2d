#!/usr/bin/env bash
# Disaster recovery: restores the database from the offsite snapshot RESTORE_FROM (latest or an
# id) before the API starts, into an empty database only (dropit-pg-offsite refuses any other).
# Runs once: Pulumi runs a command's create once, and a marker in STATE_DIR makes a replay of
# the same snapshot a no-op (a changed snapshot on a database with data is refused).
# Parameters: RESTORE_FROM, STATE_DIR.
: "${RESTORE_FROM:?}" "${STATE_DIR:?}"
marker="$STATE_DIR/offsite-restored"
if sudo test -f "$marker" && [ "$(sudo cat "$marker")" = "$RESTORE_FROM" ]; then
  echo "dropit: the database was already restored from offsite snapshot $RESTORE_FROM; nothing to do"
  exit 0
fi
sudo /usr/local/sbin/dropit-pg-offsite restore "$RESTORE_FROM" --yes
printf '%s\n' "$RESTORE_FROM" | install_if_changed "$marker" 0644
echo "dropit: database restored from offsite snapshot $RESTORE_FROM"
