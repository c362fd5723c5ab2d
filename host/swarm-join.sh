#!/usr/bin/env bash
# Joins this node to the Swarm whose manager is MANAGER_ADDR, with the join token read from
# stdin. The token goes to the engine's API (POST /swarm/join) in a request body piped to curl,
# never as an argument (`docker swarm join --token` would put it in the process list). A node
# that is already a member of this Swarm is left as it is; a member of another one is refused.
# Prints the node's ID on stdout (the manager labels the node by it); messages go to stderr.
# Parameters: MANAGER_ADDR, ADVERTISE_ADDR.
: "${MANAGER_ADDR:?}" "${ADVERTISE_ADDR:?}"
IFS= read -r token || true
if ! [[ "$token" =~ ^SWMTKN-[0-9]+-[A-Za-z0-9]+-[A-Za-z0-9]+$ ]]; then
  echo "dropit: no valid Swarm join token on stdin" >&2
  exit 1
fi
wrap() { case "$1" in *:*) printf '[%s]' "$1" ;; *) printf '%s' "$1" ;; esac; }
manager="$(wrap "$MANAGER_ADDR"):2377"
state=$(sudo docker info --format '{{.Swarm.LocalNodeState}}')
if [ "$state" = active ]; then
  managers=$(sudo docker info --format '{{range .Swarm.RemoteManagers}}{{.Addr}} {{end}}')
  if [[ " $managers " != *" $manager "* ]]; then
    echo "dropit: this host is already in a Swarm managed by $managers, not by $manager; refusing (leave it first: docker swarm leave)" >&2
    exit 1
  fi
  echo "dropit: already a member of the Swarm of $manager" >&2
else
  if [ "$state" != inactive ]; then
    echo "dropit: Swarm state $state: leaving before joining again" >&2
    sudo docker swarm leave --force >/dev/null 2>&1 || true
  fi
  body=$(printf '{"ListenAddr":"0.0.0.0:2377","AdvertiseAddr":"%s","RemoteAddrs":["%s"],"JoinToken":"%s"}' "$(wrap "$ADVERTISE_ADDR")" "$manager" "$token")
  # A failed request (no engine, a timeout) is reported below with the manager's address, not by set -e.
  answer=$(printf '%s' "$body" | sudo curl -sS --max-time 120 --unix-socket /var/run/docker.sock -H 'Content-Type: application/json' --data-binary @- -w '\n%{http_code}' http://localhost/swarm/join) || true
  if [ "${answer##*$'\n'}" != 200 ]; then
    echo "dropit: joining the Swarm of $manager failed: ${answer%$'\n'*}" >&2
    exit 1
  fi
  echo "dropit: joined the Swarm of $manager, advertising $ADVERTISE_ADDR" >&2
fi
sudo docker info --format '{{.Swarm.NodeID}}'
