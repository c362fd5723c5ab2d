#!/usr/bin/env bash
# One-command set-up on a fresh Debian bookworm machine: the Debian packages the tests run
# as real servers, the pinned npm dependencies, then the Pulumi engine. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

DEBIAN_PACKAGES=(
  nginx postgresql postgresql-contrib   # real servers for the nginx.conf and SQL tests
  docker.io iptables debootstrap        # the simulated VPS and the Swarm rollout proof
  busybox-static                        # tiny HTTP test images built FROM scratch
  openssh-client openssl curl ca-certificates
  shellcheck                            # every .sh file is checked by the unit tests
  jq time                               # the watchdog's JSON reader; GNU time measures its runs
  restic rclone                         # offsite backups: the client, and a restic REST server (append-only)
)

# Debian starts nginx and PostgreSQL on install, listening beyond loopback. The tests start
# their own instances on 127.0.0.1, so forbid service starts while installing.
policy=/usr/sbin/policy-rc.d
had_policy=0
[ -e "$policy" ] && had_policy=1
if [ "$had_policy" -eq 0 ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi

$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${DEBIAN_PACKAGES[@]}" >/dev/null

npm ci --no-audit --no-fund
# The Pulumi CLI: an installed one is used as it is; otherwise it is built from Go modules.
bash scripts/engine.sh
# The backup drill's S3-compatible server, from its Go module (tests/e2e/backup/s3/).
command -v go >/dev/null || { echo "setup: Go is needed for the backup drill's S3 server and the nodes suite's Traefik (tests/e2e/backup/s3/build.sh, tests/support/traefik/build.sh)" >&2; exit 1; }
[ -x .tmp/bin/gofakes3 ] || bash tests/e2e/backup/s3/build.sh .tmp/bin/gofakes3
# The real Traefik the multi-node suite routes through, from its released Go module (about 9 min cold).
[ -x .tmp/bin/traefik ] || bash tests/support/traefik/build.sh .tmp/bin/traefik
echo "setup: done (Debian packages: ${DEBIAN_PACKAGES[*]})"
