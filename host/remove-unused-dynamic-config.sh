#!/usr/bin/env bash
# Deletes TARGET_FILE, a Traefik dynamic file, once no Swarm service's labels name anything it
# defines (REFERENCES, comma-separated, e.g. dropit-retry@file). Pulumi runs deletes last, after
# the services were updated: going back to one node, the labels no longer name the file, so it
# goes. When the step is replaced instead (its content changed), the old copy's delete runs while
# the services still name the file that the new copy just wrote, so it stays. The check makes the
# outcome independent of the order in which a replacement creates and deletes.
# Parameters: TARGET_FILE, REFERENCES (comma-separated).
: "${TARGET_FILE:?}" "${REFERENCES:?}"
if ! sudo test -e "$TARGET_FILE"; then
  echo "dropit: $TARGET_FILE already absent"
  exit 0
fi
services=$(sudo docker service ls --quiet) || {
  echo "dropit: cannot list the Swarm's services, so $TARGET_FILE is kept; is Docker running?" >&2
  exit 1
}
labels=""
if [ -n "$services" ]; then
  # One ID per line: word splitting is what passes them as separate arguments.
  # shellcheck disable=SC2086
  labels=$(sudo docker service inspect --format '{{.Spec.Name}} {{json .Spec.Labels}}' $services) || {
    echo "dropit: cannot read the services' labels, so $TARGET_FILE is kept; run pulumi up again" >&2
    exit 1
  }
fi
IFS=, read -r -a references <<<"$REFERENCES"
for reference in "${references[@]}"; do
  users=$({ grep -F -- "$reference" <<<"$labels" || true; } | cut -d' ' -f1 | paste -sd, -)
  if [ -n "$users" ]; then
    echo "dropit: $TARGET_FILE kept: $reference is still used by $users"
    exit 0
  fi
done
sudo rm -f "$TARGET_FILE"
echo "dropit: $TARGET_FILE removed (no service uses it any more)"
