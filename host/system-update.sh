#!/usr/bin/env bash
# Non-interactive upgrade that waits (bounded) for another apt or dpkg to finish.
sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q update
sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q -y \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold upgrade
echo "dropit: system packages up to date"
