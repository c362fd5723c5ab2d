#!/usr/bin/env bash
# Starts the builder's registry before `pulumi up` (the GitHub workflow runs it after restoring
# DROPIT_IMAGE_REGISTRY_DIR from its cache), so the builds find their cache in it.
# Parameters (environment): as builder/local-registry.sh.
set -euo pipefail
# shellcheck source=builder/local-registry.sh
. "$(dirname "$0")/local-registry.sh"
ensure_registry
echo "dropit: registry on 127.0.0.1:$REGISTRY_PORT ready (storage: ${DROPIT_IMAGE_REGISTRY_DIR:-inside the container})"
