#!/usr/bin/env bash
# Builds the simulated VPS image: Debian bookworm (debootstrap minbase, from this machine's
# Debian mirror) with sshd, sudo, curl, iptables and Debian's docker.io, a `deploy` user with
# passwordless sudo, and vps-init.sh as its entry point. Usage: build-image.sh <image:tag>
# About 60-90 s on 2 cores; the caller caches the result by a content tag.
set -euo pipefail
image=$1
here=$(cd "$(dirname "$0")" && pwd)
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
rootfs=$(mktemp -d /tmp/dropit-vps-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

# iproute2 (ss): Dokploy's installer checks ports with it. procps (ps): the secret-leak probe.
debootstrap --variant=minbase \
  --include=openssh-server,sudo,ca-certificates,curl,iptables,docker.io,iproute2,procps \
  bookworm "$rootfs" "$mirror" >/dev/null

# Host keys are generated when a VPS starts (each test host gets its own, as a real VPS would).
rm -f "$rootfs"/etc/ssh/ssh_host_*
chroot "$rootfs" useradd --create-home --shell /bin/bash --groups sudo deploy
echo 'deploy ALL=(ALL) NOPASSWD:ALL' > "$rootfs/etc/sudoers.d/deploy"
chmod 0440 "$rootfs/etc/sudoers.d/deploy"
install -d -m 0700 -o 1000 -g 1000 "$rootfs/home/deploy/.ssh"
printf 'PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\n' > "$rootfs/etc/ssh/sshd_config.d/dropit-e2e.conf"
install -m 0755 "$here/vps-init.sh" "$rootfs/usr/local/sbin/vps-init"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*

tar -C "$rootfs" -c . | docker import --change 'CMD ["/usr/local/sbin/vps-init"]' - "$image" >/dev/null
echo "built $image"
