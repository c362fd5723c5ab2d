#!/usr/bin/env bash
# PostgreSQL refuses data from another major version, and the entrypoint would not migrate it:
# refuse the change up front with the way through, before the service is touched.
# Parameters: VOLUME, MAJOR, DATA_SUBDIR.
: "${VOLUME:?}" "${MAJOR:?}" "${DATA_SUBDIR:?}"
mount=$(sudo docker volume inspect -f '{{.Mountpoint}}' "$VOLUME" 2>/dev/null) || {
  echo "dropit: volume $VOLUME does not exist yet; PostgreSQL $MAJOR will initialise it"
  exit 0
}
version_file="$mount/$DATA_SUBDIR/PG_VERSION"
if ! sudo test -f "$version_file"; then
  echo "dropit: volume $VOLUME holds no database yet; PostgreSQL $MAJOR will initialise it"
  exit 0
fi
current=$(sudo cat "$version_file")
if [ "$current" != "$MAJOR" ]; then
  echo "dropit: dropit:postgres.version is $MAJOR but the data in volume $VOLUME was written by PostgreSQL $current." >&2
  echo "dropit: a major upgrade needs a dump and a restore: set dropit:postgres.version back to $current, run 'sudo /usr/local/sbin/dropit-pg-backup'," >&2
  echo "dropit: then follow docs/backups.md, 'Upgrading PostgreSQL' (new volume, restore with /usr/local/sbin/dropit-pg-restore)." >&2
  exit 1
fi
echo "dropit: data in $VOLUME is PostgreSQL $current, as configured"
