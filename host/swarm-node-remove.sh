#!/usr/bin/env bash
# On a manager, when a node leaves the configuration: no new task goes to it (pause), every
# service with a task there is rolled (its update order, start-first for the API and web: the
# replacement starts elsewhere and is healthy before the old task stops), then the node is
# drained, its last tasks awaited (bounded), and it is removed from the Swarm (demoted first if a
# manager). Fails, leaving the node paused, when its tasks cannot move.
# Parameters: NODE_ID, NODE_NAME, DRAIN_TIMEOUT_SECONDS.
: "${NODE_ID:?}" "${NODE_NAME:?}" "${DRAIN_TIMEOUT_SECONDS:?}"
if ! sudo docker node inspect "$NODE_ID" >/dev/null 2>&1; then
  echo "dropit: $NODE_NAME ($NODE_ID) is not in the Swarm any more"
  exit 0
fi
running_here() { sudo docker node ps "$NODE_ID" --filter desired-state=running --format '{{.Name}}' 2>/dev/null | sed 's/\.[0-9]*$//' | sort -u; }
sudo docker node update --availability pause "$NODE_ID" >/dev/null
for service in $(running_here); do
  echo "dropit: moving $service off $NODE_NAME"
  sudo timeout "$DRAIN_TIMEOUT_SECONDS" docker service update --force --quiet "$service" >/dev/null || {
    echo "dropit: $service did not move off $NODE_NAME within ${DRAIN_TIMEOUT_SECONDS}s; the node stays paused" >&2
    exit 1
  }
done
sudo docker node update --availability drain "$NODE_ID" >/dev/null
deadline=$((SECONDS + DRAIN_TIMEOUT_SECONDS))
while [ -n "$(running_here)" ]; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "dropit: tasks still run on $NODE_NAME after ${DRAIN_TIMEOUT_SECONDS}s: $(running_here | tr '\n' ' ')" >&2
    exit 1
  fi
  sleep 2
done
if [ "$(sudo docker node inspect --format '{{.Spec.Role}}' "$NODE_ID")" = manager ]; then sudo docker node demote "$NODE_ID" >/dev/null; fi
sudo docker node rm --force "$NODE_ID" >/dev/null
echo "dropit: $NODE_NAME drained and removed from the Swarm"
