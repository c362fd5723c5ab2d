#!/usr/bin/env bash
# Runs where `pulumi up` runs (the machine that built the image), never on the VPS. Sends one
# image to the VPS's engine the way a registry would, with no registry account: the image goes
# into a registry bound to this machine's 127.0.0.1, and the VPS pulls it through a reverse SSH
# tunnel, so only the layers the VPS lacks cross the network (an unchanged image sends none).
# Prints the reference the VPS now holds, pinned by digest, on stdout; everything else on stderr.
# Runs after builder/local-registry.sh (ensure_registry), which the program puts before it.
# Parameters (environment): IMAGE (127.0.0.1:<port>/<name>:<tag>, built here), REGISTRY_PORT,
# REGISTRY_IMAGE, REGISTRY_CONTAINER, SSH_HOST, SSH_PORT, SSH_USER, SSH_HOST_KEY (`type base64`,
# may be empty: the key seen first is trusted). stdin: the SSH private key.
set -euo pipefail
: "${IMAGE:?}" "${REGISTRY_PORT:?}" "${REGISTRY_IMAGE:?}" "${REGISTRY_CONTAINER:?}" "${SSH_HOST:?}" "${SSH_PORT:?}" "${SSH_USER:?}"
SSH_HOST_KEY=${SSH_HOST_KEY:-}

say() { echo "dropit: $*" >&2; }
fail() {
  say "$*"
  exit 1
}

repository=${IMAGE%:*}
# The values are checked before any use: they end up in a command line run by the VPS's shell.
[[ $IMAGE =~ ^127\.0\.0\.1:[0-9]+/[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] || fail "not an image of the local registry: $IMAGE"
[ "${repository%%/*}" = "127.0.0.1:$REGISTRY_PORT" ] || fail "$IMAGE is not in the registry on 127.0.0.1:$REGISTRY_PORT"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(umask 077 && cat >"$work/id")
[ -s "$work/id" ] || fail "no SSH private key on stdin"
# ssh refuses a key file without its final newline.
[ -z "$(tail -c 1 "$work/id")" ] || echo >>"$work/id"
host_name=$SSH_HOST
[ "$SSH_PORT" = 22 ] || host_name="[$SSH_HOST]:$SSH_PORT"
checking=accept-new
if [ -n "$SSH_HOST_KEY" ]; then
  printf '%s %s\n' "$host_name" "$SSH_HOST_KEY" >"$work/known_hosts"
  checking=yes
fi
ssh_options=(-F /dev/null -i "$work/id" -p "$SSH_PORT" -o IdentitiesOnly=yes -o BatchMode=yes
  -o "UserKnownHostsFile=$work/known_hosts" -o "StrictHostKeyChecking=$checking"
  -o ConnectTimeout=20 -o ServerAliveInterval=15 -o ServerAliveCountMax=4)

# Runs one command on the VPS: each word quoted for its shell (the words are checked above).
on_vps() {
  local quoted
  quoted=$(printf '%q ' "$@")
  ssh "${ssh_options[@]}" "$SSH_USER@$SSH_HOST" "$quoted"
}

ensure_registry || exit 1
# Local to local: layers the registry already holds are not copied again. The :buildcache tag
# is what the next build imports its cache from (the image carries BuildKit's inline cache).
docker push -q "$IMAGE" >&2 || fail "docker push $IMAGE to the local registry failed"
docker tag "$IMAGE" "$repository:buildcache" && docker push -q "$repository:buildcache" >&2 ||
  say "could not keep $repository:buildcache (the next build starts without this cache)"
reference=$(docker image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' "$IMAGE" | grep -m1 "^$repository@sha256:" || true)
[ -n "$reference" ] || fail "the local registry gave no digest for $IMAGE"

if on_vps sudo docker image inspect -f '{{.Id}}' "$reference" >/dev/null 2>&1; then
  say "the VPS already holds $reference: nothing sent"
else
  say "the VPS pulls $reference through the SSH tunnel (only the layers it lacks)"
  quoted=$(printf '%q ' sudo docker pull -q "$reference")
  ssh "${ssh_options[@]}" -o ExitOnForwardFailure=yes -R "127.0.0.1:$REGISTRY_PORT:127.0.0.1:$REGISTRY_PORT" \
    "$SSH_USER@$SSH_HOST" "$quoted" >&2 || {
    remote_engine_hint
    fail "the VPS could not pull $reference through the tunnel (if port $REGISTRY_PORT is taken on the VPS's 127.0.0.1, set dropit:app.tunnelPort; sshd must allow TCP forwarding)"
  }
fi

# Older images of this repository go, except those a container still uses (Swarm keeps the
# previous tasks' containers, so their images stay for a rollback: docker refuses to remove them).
# Runs on the VPS, sent with its arguments quoted, in one SSH connection; prints how many went.
prune_older_images() {
  local repository=$1 reference=$2 new_id id removed=0
  new_id=$(sudo docker image inspect -f '{{.Id}}' "$reference") || return 1
  for id in $(sudo docker images -q --no-trunc "$repository" | sort -u); do
    [ "$id" = "$new_id" ] && continue
    sudo docker image rm "$id" >/dev/null 2>&1 && removed=$((removed + 1))
  done
  echo "$removed"
}
removed=$(ssh "${ssh_options[@]}" "$SSH_USER@$SSH_HOST" "$(declare -f prune_older_images); prune_older_images $(printf '%q ' "$repository" "$reference")") ||
  fail "the VPS does not hold $reference after the pull"
say "removed $removed unused older image(s) of $repository from the VPS"
echo "$reference"
