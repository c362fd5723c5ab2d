#!/usr/bin/env bash
# Registry login before the first pull (Docker Hub's anonymous limit); the password on stdin.
# Parameters: REGISTRY_SERVER, REGISTRY_USERNAME.
: "${REGISTRY_SERVER:?}" "${REGISTRY_USERNAME:?}"
sudo docker login --username "$REGISTRY_USERNAME" --password-stdin "$REGISTRY_SERVER" >/dev/null
echo "dropit: root's Docker client logged in to $REGISTRY_SERVER as $REGISTRY_USERNAME"
