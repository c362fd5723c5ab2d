#!/usr/bin/env bash
# Installs the text on stdin as TARGET_FILE (mode 0600, root) when it differs; the file may hold
# a secret (the dashboard's password hash), which is why it travels on stdin. Traefik's file
# provider watches the directory: no restart.
# Parameters: TARGET_FILE.
: "${TARGET_FILE:?}"
directory=$(dirname "$TARGET_FILE")
sudo test -d "$directory" || { echo "dropit: $directory does not exist; is Dokploy installed?" >&2; exit 1; }
content=$(mktemp)
trap 'rm -f "$content"' EXIT
cat >"$content"
if sudo cmp -s "$content" "$TARGET_FILE"; then
  echo "dropit: $TARGET_FILE unchanged"
  exit 0
fi
sudo install -m 0600 -o root -g root "$content" "$TARGET_FILE"
echo "dropit: $TARGET_FILE written"
