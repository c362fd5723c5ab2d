#!/usr/bin/env bash
# Docker engine at the version Dokploy's installer expects, only when Docker is absent.
# Parameters: DOCKER_VERSION.
: "${DOCKER_VERSION:?}"
if command -v docker >/dev/null 2>&1; then
  echo "dropit: $(docker --version) already present"
  exit 0
fi
installer=$(mktemp)
trap 'rm -f "$installer"' EXIT
curl -fsSL --retry 3 --max-time 120 https://get.docker.com -o "$installer"
sudo sh "$installer" --version "$DOCKER_VERSION"
sudo apt-mark hold docker-ce docker-ce-cli >/dev/null
echo "dropit: Docker $DOCKER_VERSION installed"
