#!/usr/bin/env bash
# Builds the real Traefik the multi-node suite routes through (the version Dokploy's installer
# runs, see docs/nodes.md) from its released Go module: the module as published, with its own
# go.mod (its replace directives) and go.sum, so every dependency is checked against the
# checksums Traefik pinned. No container registry is needed. Usage: build.sh <output file>.
# About 10 minutes on 2 cores the first time; Go's module and build caches make a rebuild fast.
set -euo pipefail
out=$1
version=${TRAEFIK_VERSION:-v3.6.12}
module=github.com/traefik/traefik/v3
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
dir=$(go mod download -json "$module@$version" | jq -r '.Dir // empty')
[ -n "$dir" ] || { echo "build.sh: the Go proxy did not serve $module@$version" >&2; exit 1; }
cd "$dir"
# The module cache is read-only: only the build cache and the output are written.
CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath \
    -ldflags "-s -w -X $module/pkg/version.Version=$version" -o "$out.partial" ./cmd/traefik
mv "$out.partial" "$out"
echo "built $out ($("$out" version | awk '/^Version:/ { print $2 }'))"
