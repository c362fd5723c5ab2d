#!/usr/bin/env bash
# How often Traefik lists the Swarm's tasks (providers.swarm.refreshSeconds in its static config),
# for services without a virtual IP (dnsrr): that list is then all Traefik routes by, and
# Dokploy's default (15 s) would keep a stopped task in it for that long. Traefik restarted only
# on a change. Parameters: REFRESH_SECONDS (whole seconds), TRAEFIK_CONFIG.
: "${REFRESH_SECONDS:?}" "${TRAEFIK_CONFIG:?}"
case $REFRESH_SECONDS in '' | *[!0-9]*)
  echo "dropit: REFRESH_SECONDS must be whole seconds, not $REFRESH_SECONDS" >&2
  exit 1
  ;;
esac
for _ in $(seq 1 60); do sudo test -f "$TRAEFIK_CONFIG" && break; sleep 2; done
sudo test -f "$TRAEFIK_CONFIG" || { echo "dropit: $TRAEFIK_CONFIG did not appear within 120 s; is Dokploy running? (sudo docker service ps dokploy)" >&2; exit 1; }
sudo grep -qE '^  swarm:[[:space:]]*$' "$TRAEFIK_CONFIG" || { echo "dropit: no providers.swarm block in $TRAEFIK_CONFIG" >&2; exit 1; }
current=$(mktemp)
wanted=$(mktemp)
trap 'rm -f "$current" "$wanted"' EXIT
# shellcheck disable=SC2024 # the copy is ours (mktemp), only the read needs root
sudo cat "$TRAEFIK_CONFIG" >"$current"
# The swarm block's own refreshSeconds lines are dropped, one is written right under `  swarm:`.
REFRESH="${REFRESH_SECONDS}s" awk '
  /^[^ ]/ || /^  [^ ]/ { in_swarm = 0 }
  in_swarm && /^    refreshSeconds:/ { next }
  { print }
  /^  swarm:[[:space:]]*$/ { print "    refreshSeconds: " ENVIRON["REFRESH"]; in_swarm = 1 }
' "$current" >"$wanted"
if cmp -s "$current" "$wanted"; then
  echo "dropit: Traefik already lists the Swarm's tasks every ${REFRESH_SECONDS} s"
  exit 0
fi
sudo docker container inspect dokploy-traefik >/dev/null 2>&1 || { echo "dropit: Dokploy's dokploy-traefik container is missing: see docs/host.md, 'The installer is a one-way door'" >&2; exit 1; }
sudo cp "$wanted" "$TRAEFIK_CONFIG"
sudo docker restart dokploy-traefik >/dev/null
echo "dropit: Traefik lists the Swarm's tasks every ${REFRESH_SECONDS} s; Traefik restarted"
