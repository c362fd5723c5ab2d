#!/usr/bin/env bash
# On a manager: gives the node NODE_ID (`self`: this manager) its role and labels: dropit.node
# (its configured name), dropit.data on the node that holds the data volumes, and the user's
# labels (LABELS, `key=value` separated by commas); user labels no longer configured are removed.
# Parameters: NODE_ID, NODE_NAME, ROLE, DATA (true or false), LABELS.
: "${NODE_ID:?}" "${NODE_NAME:?}" "${ROLE:?}" "${DATA:?}" "${LABELS?}"
node=$NODE_ID
[ "$node" = self ] && node=$(sudo docker info --format '{{.Swarm.NodeID}}')
current_role=$(sudo docker node inspect --format '{{.Spec.Role}}' "$node")
if [ "$current_role" != "$ROLE" ]; then
  if [ "$ROLE" = manager ]; then sudo docker node promote "$node" >/dev/null; else sudo docker node demote "$node" >/dev/null; fi
  echo "dropit: $NODE_NAME is now a $ROLE"
fi
changes=(--label-add "dropit.node=$NODE_NAME")
if [ "$DATA" = true ]; then changes+=(--label-add dropit.data=true); else changes+=(--label-rm dropit.data); fi
wanted=" "
IFS=, read -r -a pairs <<<"$LABELS"
for pair in "${pairs[@]}"; do
  changes+=(--label-add "$pair")
  wanted+="${pair%%=*} "
done
for key in $(sudo docker node inspect --format '{{range $k, $v := .Spec.Labels}}{{$k}} {{end}}' "$node"); do
  case "$key" in dropit.*) continue ;; esac
  [[ "$wanted" == *" $key "* ]] || changes+=(--label-rm "$key")
done
# --label-rm of an absent label fails: drop those first.
present=" $(sudo docker node inspect --format '{{range $k, $v := .Spec.Labels}}{{$k}} {{end}}' "$node")"
args=()
for ((i = 0; i < ${#changes[@]}; i += 2)); do
  if [ "${changes[i]}" = --label-rm ] && [[ "$present" != *" ${changes[i + 1]} "* ]]; then continue; fi
  args+=("${changes[i]}" "${changes[i + 1]}")
done
sudo docker node update "${args[@]}" "$node" >/dev/null
echo "dropit: $NODE_NAME ($node): $ROLE, labels $(sudo docker node inspect --format '{{json .Spec.Labels}}' "$node")"
