#!/usr/bin/env bash
# Docker access for the SSH user, which the Docker provider connects as.
# Parameters: DEPLOY_USER.
: "${DEPLOY_USER:?}"
if id -nG "$DEPLOY_USER" | tr ' ' '\n' | grep -qx docker; then
  echo "dropit: $DEPLOY_USER already in the docker group"
  exit 0
fi
sudo usermod -aG docker "$DEPLOY_USER"
echo "dropit: $DEPLOY_USER added to the docker group"
