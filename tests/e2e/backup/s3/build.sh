#!/usr/bin/env bash
# Builds the S3-compatible server of the backup drill from its Go module: gofakes3 (pinned with
# its checksums in go.mod/go.sum), a real implementation of S3's HTTP API, as one static binary
# mounted into the drill's targets container. Usage: build.sh <output file>. Needs Go 1.24+ (or
# a Go that may fetch that toolchain from the Go proxy); scripts/setup.sh runs it.
set -euo pipefail
out=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$(dirname "$out")"
# Absolute: the build runs from this directory (its go.mod).
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
cd "$here"
CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w" -o "$out" github.com/johannesboyne/gofakes3/cmd/gofakes3
echo "built $out"
