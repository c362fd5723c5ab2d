#!/bin/sh
# PID 1 of the simulated VPS: what systemd would start on a real one (Docker, sshd).
set -eu
ssh-keygen -A >/dev/null
mkdir -p /run/sshd
# With DROPIT_VPS_NEST_CGROUPS=1 (a VPS started with a memory limit), the engine creates its
# containers' cgroups under this container's own (cgroup v1: the host's hierarchy is mounted
# here), so the limit covers them as a VPS's RAM covers everything on it.
parent=""
if [ "${DROPIT_VPS_NEST_CGROUPS:-0}" = 1 ]; then
  parent=$(awk -F: '$2 == "memory" { print $3 }' /proc/1/cgroup)
fi
set --
if [ -n "$parent" ] && [ "$parent" != / ]; then
  set -- --cgroup-parent "$parent"
fi
# With DROPIT_VPS_DOCKER_API=1 (a machine standing in for where `pulumi up` runs, whose engine
# builds), the engine also answers on TCP 2375, which the suite publishes on the host's 127.0.0.1 only.
if [ "${DROPIT_VPS_DOCKER_API:-0}" = 1 ]; then
  set -- "$@" -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2375 --tls=false
fi
dockerd "$@" >/var/log/dockerd.log 2>&1 &
exec /usr/sbin/sshd -D -e
