#!/usr/bin/env bash
# The Swarm config CONFIG_NAME holding the text on stdin, created unless it exists; prints only
# its id on stdout (the services name it by id). The name carries a digest of the text (configs
# are immutable), so an existing config of that name must hold the same text, which is checked.
# A remote command rather than the Docker provider's ServiceConfig: a `pulumi refresh` that
# cannot reach the VPS makes that provider drop configs from the state (the next `up` then fails
# with "already exists"), and a command is never read back, so nothing is dropped; on a new
# server behind the same stack, the command's re-run creates the config there.
# Parameters: CONFIG_NAME.
: "${CONFIG_NAME:?}"
[[ $CONFIG_NAME =~ ^[a-z0-9][a-z0-9_.-]*$ ]] || { echo "dropit: not a config name: $CONFIG_NAME" >&2; exit 1; }
content=$(mktemp)
trap 'rm -f "$content"' EXIT
cat >"$content"
if existing=$(sudo docker config inspect -f '{{.ID}} {{printf "%s" .Spec.Data}}' "$CONFIG_NAME" 2>/dev/null); then
  id=${existing%% *}
  if [ "${existing#* }" != "$(cat "$content")" ]; then
    echo "dropit: the Swarm config $CONFIG_NAME exists with other content; remove it (docker config rm $CONFIG_NAME) once no service uses it" >&2
    exit 1
  fi
  echo "dropit: Swarm config $CONFIG_NAME exists ($id)" >&2
else
  id=$(sudo docker config create "$CONFIG_NAME" "$content")
  echo "dropit: Swarm config $CONFIG_NAME created ($id)" >&2
fi
printf '%s\n' "$id"
