#!/usr/bin/env bash
# Run on a node removed from the configuration, after the manager drained it and removed it
# from the Swarm: leaves whatever Swarm state remains (nothing runs there any more).
if [ "$(sudo docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" = inactive ]; then
  echo "dropit: not in a Swarm"
  exit 0
fi
sudo docker swarm leave --force >/dev/null
echo "dropit: left the Swarm"
