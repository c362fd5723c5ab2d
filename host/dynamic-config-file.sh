#!/usr/bin/env bash
# Installs the text on stdin as TARGET_FILE (mode 0600, root) when it differs; the file may hold
# a secret (the dashboard's password hash), which is why it travels on stdin. Traefik's file
# provider watches the directory: no restart. The new text is staged beside the file under a
# name Traefik ignores (it reads .yml, .yaml and .toml only) and renamed over it: `install`
# alone removes the file before writing it again, and a reload in between drops whatever the
# file defines (every router naming its middleware answered 404 for about 2 s).
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
staged="$directory/.$(basename "$TARGET_FILE").dropit-new"
sudo install -m 0600 -o root -g root "$content" "$staged"
sudo mv -f "$staged" "$TARGET_FILE"
echo "dropit: $TARGET_FILE written"
