#!/usr/bin/env bash
# Builds the PostgreSQL stand-in the backup drill runs as the dropit-postgres Swarm service on
# the simulated VPS (no registry here, so no postgres:16-alpine): Debian bookworm (debootstrap
# minbase from this machine's Debian mirror) with Debian's PostgreSQL 15 and entrypoint.sh, which
# does what the official image's entrypoint does with POSTGRES_DB, POSTGRES_USER,
# POSTGRES_PASSWORD, PGDATA and /docker-entrypoint-initdb.d. Usage: build-image.sh <image:tag>
set -euo pipefail
image=$1
here=$(cd "$(dirname "$0")" && pwd)
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
rootfs=$(mktemp -d /tmp/dropit-bk-pg-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

# busybox: the API stand-in's HTTP server (busybox httpd) runs from the same image.
debootstrap --variant=minbase --include=postgresql-15,busybox bookworm "$rootfs" "$mirror" >/dev/null
for tool in pg_dump pg_restore psql pg_isready; do ln -sf "/usr/lib/postgresql/15/bin/$tool" "$rootfs/usr/local/bin/$tool"; done
install -m 0755 "$here/entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"
install -m 0755 "$here/api.sh" "$rootfs/usr/local/bin/api-standin"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc "$rootfs"/usr/share/man

tar -C "$rootfs" -c . | docker import --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' --change 'CMD ["postgres"]' - "$image" >/dev/null
echo "built $image"
