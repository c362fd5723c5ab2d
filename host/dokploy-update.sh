#!/usr/bin/env bash
# A changed dokploy.version goes through the installer's own `update` path.
# Parameters: DOKPLOY_VERSION, INSTALLER_URL.
: "${DOKPLOY_VERSION:?}" "${INSTALLER_URL:?}"
installer=$(mktemp)
trap 'rm -f "$installer"' EXIT
curl -fsSL --retry 3 --max-time 120 "$INSTALLER_URL" -o "$installer"
sudo env DOKPLOY_VERSION="$DOKPLOY_VERSION" sh "$installer" update
echo "dropit: Dokploy updated to $DOKPLOY_VERSION"
