#!/usr/bin/env bash
# The Docker provider reports a service update done as soon as each slot has a running task,
# before Swarm's monitor window has passed: a task that dies within that window is rolled back
# by Swarm after `pulumi up` said success. This step waits (bounded) until Swarm itself has
# settled the rollout, and fails if Swarm rolled it back or paused it.
# Parameters: SERVICE, MONITOR_SECONDS (the update's monitor window), TIMEOUT_SECONDS.
: "${SERVICE:?}" "${MONITOR_SECONDS:?}" "${TIMEOUT_SECONDS:?}"
# A spec change with no update status yet: Swarm's updater starts within moments of the change.
# Once the spec is this old with no status, no rolling update is under way (a fresh create).
PICKUP_SECONDS=5
POLL_SECONDS=2
# state|start of the update (Unix seconds)|last spec change (Unix seconds); a fresh create has no update status.
format='{{with .UpdateStatus}}{{.State}}|{{with .StartedAt}}{{.Unix}}{{end}}{{else}}|{{end}}|{{.UpdatedAt.Unix}}'

tasks() {
  sudo docker service ps --no-trunc --format '{{.Name}} {{.Image}} {{.DesiredState}} {{.CurrentState}} {{.Error}}' "$SERVICE" 2>&1 | head -n 20 >&2 || true
}

fail() {
  echo "dropit: service $SERVICE: $1" >&2
  echo "dropit: docker service ps $SERVICE:" >&2
  tasks
  exit 1
}

start=$(date +%s)
attempts=$((TIMEOUT_SECONDS / POLL_SECONDS + 1))
state="" started="" updated=""
for ((attempt = 1; attempt <= attempts; attempt++)); do
  line=$(sudo docker service inspect -f "$format" "$SERVICE") || fail "docker service inspect failed"
  IFS='|' read -r state started updated <<<"$line" || true
  now=$(date +%s)
  case "$state" in
    completed)
      # Swarm sets `completed` once the last batch's monitor window has passed; checked anyway.
      if [ -n "$started" ] && [ $((now - started)) -ge "$MONITOR_SECONDS" ]; then
        echo "dropit: service $SERVICE: update completed and monitored for ${MONITOR_SECONDS}s ($((now - start))s waited here)"
        exit 0
      fi
      ;;
    "")
      if [ -n "$updated" ] && [ $((now - updated)) -ge "$PICKUP_SECONDS" ]; then
        echo "dropit: service $SERVICE: no rolling update under way (created or unchanged); nothing to settle"
        exit 0
      fi
      ;;
    updating) ;;
    rollback_started | rollback_completed | rollback_paused)
      fail "Swarm rolled the update back (update status: $state): the new version failed its health check or exited within ${MONITOR_SECONDS}s; the old version is running" ;;
    paused)
      fail "Swarm paused the update (update status: $state); fix it, then 'docker service update --rollback $SERVICE' or deploy again" ;;
    *)
      fail "unexpected update status: $state" ;;
  esac
  if [ $((now - start)) -ge "$TIMEOUT_SECONDS" ]; then break; fi
  sleep "$POLL_SECONDS"
done
fail "update not settled after ${TIMEOUT_SECONDS}s (update status: ${state:-none})"
