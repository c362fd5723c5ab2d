#!/usr/bin/env bash
# A changed dokploy.version goes through the installer's own `update` path.
# Parameters: DOKPLOY_VERSION, INSTALLER_URL, INSTALLER_TIMEOUT_SECONDS (the update is bounded
# like the install), and the install step's (ADVERTISE_ADDR, STATE_DIR, MAX_INSTALL_ATTEMPTS)
# for install_dokploy, host/dokploy-install.sh rendered as a function before this file.
#
# pulumi-command runs this on ANY input change of the step (uninstallOnDestroy, the host key,
# the SSH key, the script text), not only a new version: update only when the running image's
# tag differs from the pinned version (the image may carry a @sha256 digest). A host key or
# address that changed can mean a new server behind the same stack (disaster recovery, a
# reinstalled VPS), with no Dokploy at all: the installer's `update` would fail there and still
# exit 0, so that host gets the install step's run instead.
: "${DOKPLOY_VERSION:?}" "${INSTALLER_URL:?}" "${INSTALLER_TIMEOUT_SECONDS:?}"
running_image() {
  local image
  image=$(sudo docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' dokploy 2>/dev/null || true)
  printf '%s' "${image%%@*}"
}
running=$(running_image)
if [ -z "$running" ]; then
  echo "dropit: no dokploy service on this host (a new server behind this stack?): running the install step"
  install_dokploy
  exit 0
fi
if [ "${running##*:}" = "$DOKPLOY_VERSION" ]; then
  echo "dropit: Dokploy already runs $DOKPLOY_VERSION ($running); not updated"
  exit 0
fi
installer=$(mktemp)
trap 'rm -f "$installer"' EXIT
curl -fsSL --retry 3 --max-time 120 "$INSTALLER_URL" -o "$installer"
sudo timeout --kill-after=30 "$INSTALLER_TIMEOUT_SECONDS" env DOKPLOY_VERSION="$DOKPLOY_VERSION" sh "$installer" update || {
  status=$?
  [ "$status" -ne 124 ] || echo "dropit: the Dokploy update did not finish within ${INSTALLER_TIMEOUT_SECONDS}s and was stopped" >&2
  exit "$status"
}
# The installer's update ends with `docker service update` and exits 0 even when that failed.
updated=$(running_image)
if [ "${updated##*:}" != "$DOKPLOY_VERSION" ]; then
  echo "dropit: the installer's update finished but the dokploy service runs ${updated:-nothing}, not $DOKPLOY_VERSION (docker service ps dokploy)" >&2
  exit 1
fi
echo "dropit: Dokploy updated to $DOKPLOY_VERSION"
