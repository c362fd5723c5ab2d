#!/usr/bin/env bash
# shellcheck shell=bash
# Prepended to every host step that needs root (renderers/shellParams.ts, hostStep).
sudo -n true 2>/dev/null || {
  echo "dropit: user $(id -un) needs passwordless sudo on this host (docs/host.md, Prerequisites)" >&2
  exit 1
}

# install_if_changed FILE MODE: installs stdin as FILE (root-owned) when its content differs.
install_if_changed() {
  local new
  new=$(mktemp)
  cat >"$new"
  if sudo cmp -s "$new" "$1"; then rm -f "$new"; return 0; fi
  sudo mkdir -p "$(dirname "$1")"
  sudo install -m "$2" -o root -g root "$new" "$1"
  rm -f "$new"
  echo "dropit: $1 written"
}
