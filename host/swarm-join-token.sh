#!/usr/bin/env bash
# Prints the Swarm's join token for one role, on stdout only: the command that runs this marks
# its stdout secret and does not log it.
# Parameters: ROLE (worker or manager).
: "${ROLE:?}"
sudo docker swarm join-token -q "$ROLE"
