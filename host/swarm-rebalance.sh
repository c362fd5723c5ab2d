#!/usr/bin/env bash
# On a manager, after the set of nodes changed: Swarm places new tasks but never moves running
# ones, so a node that joined stays empty. Each service in SERVICES whose running tasks are
# spread unevenly (the busiest available node runs two more than the idlest) is rolled with
# its own update settings (start-first, health-gated), which places its tasks afresh.
# Parameters: SERVICES (comma-separated), TIMEOUT_SECONDS.
: "${SERVICES:?}" "${TIMEOUT_SECONDS:?}"
available=$(sudo docker node ls --format '{{.ID}} {{.Availability}} {{.Status}}' | awk '$2 == "Active" && $3 == "Ready" { print $1 }')
IFS=, read -r -a services <<<"$SERVICES"
for service in "${services[@]}"; do
  sudo docker service inspect "$service" >/dev/null 2>&1 || continue
  most=0
  least=-1
  for node in $available; do
    count=$(sudo docker node ps "$node" --filter desired-state=running --format '{{.Name}}' | grep -c "^$service\\." || true)
    [ "$count" -gt "$most" ] && most=$count
    { [ "$least" -lt 0 ] || [ "$count" -lt "$least" ]; } && least=$count
  done
  if [ "$least" -ge 0 ] && [ $((most - least)) -ge 2 ]; then
    echo "dropit: $service runs $most tasks on one node and $least on another: rolling it to spread them"
    sudo timeout "$TIMEOUT_SECONDS" docker service update --force --quiet "$service" >/dev/null
  else
    echo "dropit: $service is spread evenly"
  fi
done
