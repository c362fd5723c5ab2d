#!/usr/bin/env bash
# Rotates the Swarm's join token for one role and prints the new one, on stdout only: the
# command that runs this marks its stdout secret and does not log it. Rotating makes worthless
# the tokens printed before (`docker swarm init`, run by Dokploy's installer, prints the worker
# token into the install step's logged output); nodes already joined are not affected.
# Parameters: ROLE (worker or manager).
: "${ROLE:?}"
sudo docker swarm join-token --rotate -q "$ROLE"
