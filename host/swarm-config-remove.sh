#!/usr/bin/env bash
# Removes the Swarm config CONFIG_NAME, unless a service still uses it (Swarm refuses, and the
# config is then left for that service). Run when the config is replaced or destroyed.
# Parameters: CONFIG_NAME.
: "${CONFIG_NAME:?}"
if ! sudo docker config inspect "$CONFIG_NAME" >/dev/null 2>&1; then
  echo "dropit: Swarm config $CONFIG_NAME is already gone"
elif output=$(sudo docker config rm "$CONFIG_NAME" 2>&1); then
  echo "dropit: Swarm config $CONFIG_NAME removed"
else
  echo "dropit: Swarm config $CONFIG_NAME kept: ${output//$'\n'/ }"
fi
