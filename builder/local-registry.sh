#!/usr/bin/env bash
# The registry on the building machine's 127.0.0.1 that images are sent to the VPS through (and
# build caches are kept in): defines ensure_registry, used by send-image.sh and start-registry.sh.
# Parameters (environment): REGISTRY_PORT, REGISTRY_IMAGE, REGISTRY_CONTAINER; optional
# DROPIT_IMAGE_REGISTRY_DIR, a directory of this machine that holds the registry's storage (a CI
# cache restores it between runs); unset, the storage lives in the container.
# shellcheck disable=SC2034  # REGISTRY_WAIT_SECONDS is read by the including script too
REGISTRY_WAIT_SECONDS=30

registry_answers() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$REGISTRY_PORT/v2/"; }

# The registry runs in the building engine and is reached on this machine's 127.0.0.1: the two
# are one machine only when the engine is local. Says so when DOCKER_HOST names another machine.
remote_engine_hint() {
  case ${DOCKER_HOST:-} in
    tcp://* | ssh://*)
      echo "dropit: the Docker engine is DOCKER_HOST=$DOCKER_HOST; its registry is not on this machine's 127.0.0.1, so SSH delivery needs a local engine: unset DOCKER_HOST, or set dropit:app.delivery registry" >&2
      ;;
  esac
}

ensure_registry() {
  : "${REGISTRY_PORT:?}" "${REGISTRY_IMAGE:?}" "${REGISTRY_CONTAINER:?}"
  local storage=()
  if [ -n "${DROPIT_IMAGE_REGISTRY_DIR:-}" ]; then
    mkdir -p "$DROPIT_IMAGE_REGISTRY_DIR"
    storage=(-v "$DROPIT_IMAGE_REGISTRY_DIR:/var/lib/registry")
  fi
  if [ "$(docker inspect -f '{{.State.Running}}' "$REGISTRY_CONTAINER" 2>/dev/null)" != true ]; then
    docker rm -f "$REGISTRY_CONTAINER" >/dev/null 2>&1 || true
    echo "dropit: starting the local registry $REGISTRY_CONTAINER ($REGISTRY_IMAGE) on 127.0.0.1:$REGISTRY_PORT" >&2
    # Another deploy may have started it in the meantime: the wait below decides.
    docker run -d --name "$REGISTRY_CONTAINER" --restart unless-stopped -p "127.0.0.1:$REGISTRY_PORT:5000" "${storage[@]}" "$REGISTRY_IMAGE" >/dev/null ||
      echo "dropit: could not start $REGISTRY_CONTAINER; waiting for a registry on 127.0.0.1:$REGISTRY_PORT anyway" >&2
  fi
  local second
  for ((second = 0; second < REGISTRY_WAIT_SECONDS; second++)); do
    registry_answers && return 0
    sleep 1
  done
  echo "dropit: no registry answers on 127.0.0.1:$REGISTRY_PORT after ${REGISTRY_WAIT_SECONDS}s (docker logs $REGISTRY_CONTAINER); if another program holds the port, set dropit:app.tunnelPort" >&2
  remote_engine_hint
  return 1
}
