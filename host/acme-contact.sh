#!/usr/bin/env bash
# Let's Encrypt contact in Traefik's static config; Traefik restarted only on a change.
# The address is compared and written by awk from the environment: never part of a pattern.
# Parameters: ACME_EMAIL, TRAEFIK_CONFIG.
: "${ACME_EMAIL:?}" "${TRAEFIK_CONFIG:?}"
for _ in $(seq 1 60); do sudo test -f "$TRAEFIK_CONFIG" && break; sleep 2; done
sudo test -f "$TRAEFIK_CONFIG" || { echo "dropit: $TRAEFIK_CONFIG did not appear within 120 s; is Dokploy running? (sudo docker service ps dokploy)" >&2; exit 1; }
sudo grep -qE '^[[:space:]]+email:' "$TRAEFIK_CONFIG" || { echo "dropit: no ACME email key in $TRAEFIK_CONFIG" >&2; exit 1; }
current=$(mktemp)
wanted=$(mktemp)
trap 'rm -f "$current" "$wanted"' EXIT
# shellcheck disable=SC2024 # the copy is ours (mktemp), only the read needs root
sudo cat "$TRAEFIK_CONFIG" >"$current"
# Every `  email:` line whose value (quotes aside) is not ACME_EMAIL becomes `  email: ACME_EMAIL`.
ACME_EMAIL="$ACME_EMAIL" awk '
  /^[[:space:]]+email:/ {
    match($0, /^[[:space:]]+email:/)
    key = substr($0, 1, RLENGTH)
    value = substr($0, RLENGTH + 1)
    sub(/^[[:space:]]+/, "", value)
    sub(/[[:space:]]+$/, "", value)
    if (value ~ /^".*"$/ || value ~ /^\047.*\047$/) value = substr(value, 2, length(value) - 2)
    if (value != ENVIRON["ACME_EMAIL"]) $0 = key " " ENVIRON["ACME_EMAIL"]
  }
  { print }
' "$current" >"$wanted"
if cmp -s "$current" "$wanted"; then
  echo "dropit: Let's Encrypt contact already $ACME_EMAIL"
  exit 0
fi
sudo docker container inspect dokploy-traefik >/dev/null 2>&1 || { echo "dropit: Dokploy's dokploy-traefik container is missing (an install interrupted after its service started?): see docs/host.md, 'The installer is a one-way door'" >&2; exit 1; }
sudo cp "$wanted" "$TRAEFIK_CONFIG"
sudo docker restart dokploy-traefik >/dev/null
echo "dropit: Let's Encrypt contact set to $ACME_EMAIL; Traefik restarted"
