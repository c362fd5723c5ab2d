#!/usr/bin/env bash
# On a manager, for each node leaving the Swarm: no new task goes to it (pause), every service
# with a task there is rolled (its own update order, start-first for the API and web: the
# replacement starts elsewhere and is healthy before the old task stops), then the node is
# drained, its last tasks awaited (bounded), and it is removed from the Swarm (demoted first if a
# manager). Fails, leaving the node paused, when its tasks cannot move.
# Which nodes: NODE_IDS (comma-separated IDs), or, when empty, every node labelled dropit.node
# whose name is not in KEEP (comma-separated): the nodes removed from the configuration, moved
# off before anything else changes (the Swarm firewalls then stop admitting them).
# MAX_REPLICAS_PER_NODE (may be empty): the per-node limit the configuration now asks for. The
# services still carry the old one while this runs (Pulumi updates them after), and with fewer
# nodes the old one can leave no room for the moved tasks: a service whose limit is lower gets
# the new one in the same rolling update that moves it.
# Parameters: NODE_IDS, KEEP, DRAIN_TIMEOUT_SECONDS, MAX_REPLICAS_PER_NODE.
: "${NODE_IDS?}" "${KEEP?}" "${DRAIN_TIMEOUT_SECONDS:?}" "${MAX_REPLICAS_PER_NODE?}"
running_on() { sudo docker node ps "$1" --filter desired-state=running --format '{{.Name}}' 2>/dev/null | sed 's/\.[0-9]*$//' | sort -u; }
# The options that move one service: forced, with the new per-node limit when its own is lower.
move_options() {
  local current
  MOVE=(--force --quiet)
  [ -n "$MAX_REPLICAS_PER_NODE" ] || return 0
  current=$(sudo docker service inspect --format '{{.Spec.TaskTemplate.Placement.MaxReplicas}}' "$1")
  if [ "${current:-0}" -gt 0 ] && [ "$current" -lt "$MAX_REPLICAS_PER_NODE" ]; then
    MOVE+=(--replicas-max-per-node "$MAX_REPLICAS_PER_NODE")
    echo "dropit: $1 may now run $MAX_REPLICAS_PER_NODE tasks per node (was $current)"
  fi
}
remove_node() {
  local node=$1 name=$2 service deadline
  sudo docker node update --availability pause "$node" >/dev/null
  for service in $(running_on "$node"); do
    echo "dropit: moving $service off $name"
    move_options "$service"
    sudo timeout "$DRAIN_TIMEOUT_SECONDS" docker service update "${MOVE[@]}" "$service" >/dev/null || {
      echo "dropit: $service did not move off $name within ${DRAIN_TIMEOUT_SECONDS}s; the node stays paused" >&2
      return 1
    }
  done
  sudo docker node update --availability drain "$node" >/dev/null
  deadline=$((SECONDS + DRAIN_TIMEOUT_SECONDS))
  while [ -n "$(running_on "$node")" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "dropit: tasks still run on $name after ${DRAIN_TIMEOUT_SECONDS}s: $(running_on "$node" | tr '\n' ' ')" >&2
      return 1
    fi
    sleep 2
  done
  if [ "$(sudo docker node inspect --format '{{.Spec.Role}}' "$node")" = manager ]; then sudo docker node demote "$node" >/dev/null; fi
  sudo docker node rm --force "$node" >/dev/null
  echo "dropit: $name drained and removed from the Swarm"
}
label() { sudo docker node inspect --format '{{index .Spec.Labels "dropit.node"}}' "$1" 2>/dev/null; }
if [ -n "$NODE_IDS" ]; then
  IFS=, read -r -a nodes <<<"$NODE_IDS"
else
  nodes=()
  for node in $(sudo docker node ls -q); do
    name=$(label "$node")
    [ -n "$name" ] && [[ ",$KEEP," != *",$name,"* ]] && nodes+=("$node")
  done
fi
for node in "${nodes[@]}"; do
  if ! sudo docker node inspect "$node" >/dev/null 2>&1; then
    echo "dropit: node $node is not in the Swarm any more"
    continue
  fi
  remove_node "$node" "$(label "$node")" || exit 1
done
[ "${#nodes[@]}" -gt 0 ] || echo "dropit: no node to remove"
