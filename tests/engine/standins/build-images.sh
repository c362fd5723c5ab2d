#!/usr/bin/env bash
# Builds the stand-ins for the public images the program runs, which cannot be pulled here:
# one Debian bookworm root (debootstrap minbase from this machine's Debian mirror) holding
# Debian's PostgreSQL 15, nginx, GNU wget (the web healthcheck: Debian's busybox wget crashes
# with --spider) and this machine's node binary, imported once, then given each image's entry
# point by metadata-only builds that share its layer (the suite tags them under the program's
# names inside the VPS):
#   dropit-engine/postgres:TAG  for postgres:15-alpine: the official entrypoint's semantics
#                               (tests/e2e/backup/postgres/entrypoint.sh)
#   dropit-engine/nginx:TAG     for nginx:1.27-alpine: nginx in the foreground, conf.d/*.conf
#                               included, root /usr/share/nginx/html, the executable scripts of
#                               /docker-entrypoint.d/ run first (nginx-entrypoint.sh)
#   dropit-engine/node:TAG      for node:20-alpine: node on PATH, for the API image and its healthcheck
# Usage: build-images.sh TAG
set -euo pipefail
tag=$1
base=dropit-engine/base:$tag
here=$(cd "$(dirname "$0")" && pwd)
entrypoint="$here/../../e2e/backup/postgres/entrypoint.sh"
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
rootfs=$(mktemp -d /tmp/dropit-engine-rootfs.XXXXXX)
context=$(mktemp -d /tmp/dropit-engine-context.XXXXXX)
trap 'rm -rf "$rootfs" "$context"' EXIT

debootstrap --variant=minbase --include=postgresql-15,nginx-light,wget,libstdc++6 bookworm "$rootfs" "$mirror" >/dev/null
for tool in pg_dump pg_restore psql pg_isready; do ln -sf "/usr/lib/postgresql/15/bin/$tool" "$rootfs/usr/local/bin/$tool"; done
install -m 0755 "$entrypoint" "$rootfs/usr/local/bin/docker-entrypoint.sh"
install -m 0755 "$here/nginx-entrypoint.sh" "$rootfs/usr/local/bin/nginx-entrypoint.sh"
mkdir -p "$rootfs/docker-entrypoint.d"
install -m 0755 "$(readlink -f "$(command -v node)")" "$rootfs/usr/local/bin/node"
rm -f "$rootfs"/etc/nginx/sites-enabled/*
mkdir -p "$rootfs/usr/share/nginx/html"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc "$rootfs"/usr/share/man
tar -C "$rootfs" -c . | docker import - "$base" >/dev/null

build() { # tag, Dockerfile lines
  local tag=$1
  shift
  printf '%s\n' "FROM $base" "$@" >"$context/Dockerfile"
  # The legacy builder: a metadata-only build needs no BuildKit (it warns that it is deprecated).
  DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$context" >/dev/null 2>"$context/build.log" || { cat "$context/build.log" >&2; exit 1; }
}
build "dropit-engine/postgres:$tag" 'ENV PGDATA=/var/lib/postgresql/data' 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' 'CMD ["postgres"]'
build "dropit-engine/nginx:$tag" 'ENTRYPOINT ["/usr/local/bin/nginx-entrypoint.sh"]' 'CMD ["nginx", "-g", "daemon off;"]'
build "dropit-engine/node:$tag" 'CMD ["node"]'
echo "built $base and the images on it"
