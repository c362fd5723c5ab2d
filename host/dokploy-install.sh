#!/usr/bin/env bash
# The release's installer when Dokploy is absent, and never on a live host (docs/host.md):
# the installer starts with `docker swarm leave --force`, so it only ever runs on a swarm
# without services. A run that stopped midway (marker written, no dokploy service) is resumed
# after removing the installer's own leftovers, at most MAX_INSTALL_ATTEMPTS times.
# The installer (`curl | sh` upstream) has no bound of its own and the command provider honours
# no timeout: it is stopped after INSTALLER_TIMEOUT_SECONDS, which counts as an interrupted install.
# Parameters: DOKPLOY_VERSION, INSTALLER_URL, ADVERTISE_ADDR, STATE_DIR, MAX_INSTALL_ATTEMPTS,
# INSTALLER_TIMEOUT_SECONDS.
: "${DOKPLOY_VERSION:?}" "${INSTALLER_URL:?}" "${ADVERTISE_ADDR:?}" "${STATE_DIR:?}" "${MAX_INSTALL_ATTEMPTS:?}" "${INSTALLER_TIMEOUT_SECONDS:?}"
started="$STATE_DIR/dokploy-installer-started"
completed="$STATE_DIR/dokploy-installed"
if sudo docker service inspect dokploy >/dev/null 2>&1; then
  sudo test -e "$completed" || { sudo mkdir -p "$STATE_DIR"; sudo touch "$completed"; }
  echo "dropit: Dokploy is already installed; its installer is not run again"
  exit 0
fi
if sudo test -e "$completed"; then
  echo "dropit: Dokploy was installed on this host ($completed) but its dokploy service is gone." >&2
  echo "dropit: the installer is not run on a live host (it runs 'docker swarm leave --force'); restore the service or uninstall Dokploy first (docs/host.md)." >&2
  exit 1
fi
attempts=0
if sudo test -e "$started"; then attempts=$(sudo cat "$started" | wc -l); fi
if [ "$attempts" -ge "$MAX_INSTALL_ATTEMPTS" ]; then
  echo "dropit: the Dokploy installer was started $attempts times on this host without completing ($started); inspect the host (docs/host.md, "The installer is a one-way door")." >&2
  exit 1
fi
services=$(sudo docker service ls --format '{{.Name}}' 2>/dev/null || true)
leftovers=""
[ "$attempts" -gt 0 ] && leftovers=dokploy-postgres
others=$(printf '%s\n' "$services" | grep -vx -e '' -e "${leftovers:-dokploy}" || true)
if [ -n "$others" ]; then
  echo "dropit: this host's swarm runs services (${others//$'\n'/ }) but no dokploy service; the installer would destroy them ('docker swarm leave --force'). Refusing." >&2
  exit 1
fi
if [ "$attempts" -gt 0 ]; then
  echo "dropit: resuming an install interrupted $attempts time(s): removing the installer's own leftovers"
  sudo docker rm -f dokploy-traefik >/dev/null 2>&1 || true
  if printf '%s\n' "$services" | grep -qx dokploy-postgres; then sudo docker service rm dokploy-postgres >/dev/null; fi
  for _ in $(seq 1 30); do
    sudo docker volume inspect dokploy-postgres >/dev/null 2>&1 || break
    sudo docker volume rm dokploy-postgres >/dev/null 2>&1 && break
    sleep 2
  done
fi
installer=$(mktemp)
trap 'rm -f "$installer"' EXIT
curl -fsSL --retry 3 --max-time 120 "$INSTALLER_URL" -o "$installer"
sudo mkdir -p "$STATE_DIR"
date -u +%Y-%m-%dT%H:%M:%SZ | sudo tee -a "$started" >/dev/null
sudo timeout --kill-after=30 "$INSTALLER_TIMEOUT_SECONDS" env ADVERTISE_ADDR="$ADVERTISE_ADDR" DOKPLOY_VERSION="$DOKPLOY_VERSION" sh "$installer" || {
  status=$?
  [ "$status" -ne 124 ] || echo "dropit: the Dokploy installer did not finish within ${INSTALLER_TIMEOUT_SECONDS}s and was stopped; re-run to resume (at most $MAX_INSTALL_ATTEMPTS attempts)" >&2
  exit "$status"
}
sudo docker service inspect dokploy >/dev/null 2>&1 || { echo "dropit: the installer finished but no dokploy service exists; re-run to resume (at most $MAX_INSTALL_ATTEMPTS attempts)" >&2; exit 1; }
sudo touch "$completed"
echo "dropit: Dokploy $DOKPLOY_VERSION installed"
