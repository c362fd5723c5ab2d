#!/usr/bin/env bash
# A changed dokploy.version goes through the installer's own `update` path.
# Parameters: DOKPLOY_VERSION, INSTALLER_URL, INSTALLER_TIMEOUT_SECONDS (the update is bounded
# like the install).
#
# pulumi-command runs this on ANY input change of the step (uninstallOnDestroy, the host key,
# the SSH key, the script text), not only a new version: update only when the running image's
# tag differs from the pinned version (the image may carry a @sha256 digest).
: "${DOKPLOY_VERSION:?}" "${INSTALLER_URL:?}" "${INSTALLER_TIMEOUT_SECONDS:?}"
running=$(sudo docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' dokploy 2>/dev/null || true)
running=${running%%@*}
if [ -n "$running" ] && [ "${running##*:}" = "$DOKPLOY_VERSION" ]; then
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
echo "dropit: Dokploy updated to $DOKPLOY_VERSION"
