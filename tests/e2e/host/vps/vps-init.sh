#!/bin/sh
# PID 1 of the simulated VPS: what systemd would start on a real one (Docker, sshd).
set -eu
ssh-keygen -A >/dev/null
mkdir -p /run/sshd
dockerd >/var/log/dockerd.log 2>&1 &
exec /usr/sbin/sshd -D -e
