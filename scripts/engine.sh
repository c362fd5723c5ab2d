#!/usr/bin/env bash
# Makes the Pulumi engine available: the CLI at the version package.json pins for @pulumi/pulumi,
# and the resource plugins at the exact versions the SDK packages name (the engine loads a
# plugin by that exact version). In this order:
#   1. an installed `pulumi` that already has the pinned plugins is used as it is;
#   2. otherwise, when DROPIT_PULUMI_BUNDLE names a directory of release tarballs (machines
#      without Pulumi's download server), the CLI and plugins are installed from it, offline;
#   3. otherwise Pulumi's documented installer runs at the pinned version, then
#      `pulumi plugin install resource NAME VERSION`, each bounded in time.
# Everything goes to $PULUMI_HOME (default ~/.pulumi), where Pulumi's own installer puts it.
set -euo pipefail
cd "$(dirname "$0")/.."

pinned_version() {
  node -p "require('./node_modules/$1/package.json').version"
}

sdk_version=$(pinned_version @pulumi/pulumi)
pulumi_home=${PULUMI_HOME:-$HOME/.pulumi}
bin_dir="$pulumi_home/bin"
bundle=${DROPIT_PULUMI_BUNDLE:-}
download_timeout=${DROPIT_PULUMI_DOWNLOAD_TIMEOUT:-300}
export PULUMI_HOME=$pulumi_home PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
plugins=()
for package in command docker random; do
  plugins+=("$package:$(pinned_version "@pulumi/$package")")
done

find_cli() {
  if [ -x "$bin_dir/pulumi" ]; then echo "$bin_dir/pulumi"; else command -v pulumi || true; fi
}

plugin_installed() { # name version
  [ -x "$pulumi_home/plugins/resource-$1-v$2/pulumi-resource-$1" ]
}

missing_parts() { # cli
  [ -n "$1" ] && [ "$("$1" version 2>/dev/null)" = "v$sdk_version" ] || echo "pulumi v$sdk_version"
  local plugin
  for plugin in "${plugins[@]}"; do
    plugin_installed "${plugin%%:*}" "${plugin#*:}" || echo "plugin ${plugin%%:*} ${plugin#*:}"
  done
}

install_from_bundle() {
  [ -d "$bundle" ] || { echo "engine: DROPIT_PULUMI_BUNDLE=$bundle is not a directory" >&2; exit 1; }
  echo "engine: installing from the offline bundle $bundle"
  if [ -f "$bundle/SHA256SUMS" ]; then (cd "$bundle" && sha256sum --quiet -c SHA256SUMS); fi
  if [ "$("$bin_dir/pulumi" version 2>/dev/null || true)" != "v$sdk_version" ]; then
    local cli_tarball="$bundle/pulumi-v$sdk_version-linux-x64.tar.gz"
    [ -f "$cli_tarball" ] || { echo "engine: $cli_tarball is missing from the bundle" >&2; exit 1; }
    mkdir -p "$bin_dir"
    tar -xzf "$cli_tarball" -C "$bin_dir" --strip-components=1
  fi
  local plugin name version tarball
  for plugin in "${plugins[@]}"; do
    name=${plugin%%:*} version=${plugin#*:}
    plugin_installed "$name" "$version" && continue
    tarball="$bundle/pulumi-resource-$name-v$version-linux-amd64.tar.gz"
    [ -f "$tarball" ] || { echo "engine: $tarball is missing from the bundle" >&2; exit 1; }
    "$bin_dir/pulumi" plugin install resource "$name" "$version" -f "$tarball"
  done
}

install_from_internet() {
  if ! timeout 20 curl -fsSI https://get.pulumi.com/ >/dev/null 2>&1; then
    echo "engine: missing $(missing_parts "$(find_cli)" | paste -sd, - | sed "s/,/, /g") and https://get.pulumi.com is not reachable." >&2
    echo "engine: on a machine without Pulumi's download server, set DROPIT_PULUMI_BUNDLE to a directory holding" >&2
    echo "engine: pulumi-v$sdk_version-linux-x64.tar.gz and pulumi-resource-NAME-vVERSION-linux-amd64.tar.gz (README, 'Set up')." >&2
    exit 1
  fi
  if [ "$("$bin_dir/pulumi" version 2>/dev/null || true)" != "v$sdk_version" ]; then
    echo "engine: installing pulumi v$sdk_version with Pulumi's installer"
    curl -fsSL --max-time 60 https://get.pulumi.com/ | timeout "$download_timeout" sh -s -- --version "$sdk_version" --no-edit-path
  fi
  local plugin name version
  for plugin in "${plugins[@]}"; do
    name=${plugin%%:*} version=${plugin#*:}
    plugin_installed "$name" "$version" ||
      timeout "$download_timeout" "$bin_dir/pulumi" plugin install resource "$name" "$version"
  done
}

cli=$(find_cli)
if [ -z "$(missing_parts "$cli")" ]; then
  echo "engine: using $cli with its installed plugins"
elif [ -n "$bundle" ]; then
  install_from_bundle
elif [ -n "$cli" ] && [ "$("$cli" version 2>/dev/null)" = "v$sdk_version" ] && [ "$(dirname "$cli")" != "$bin_dir" ]; then
  # A CLI installed elsewhere (a package manager) at the right version: only plugins are missing.
  for plugin in "${plugins[@]}"; do
    plugin_installed "${plugin%%:*}" "${plugin#*:}" || timeout "$download_timeout" "$cli" plugin install resource "${plugin%%:*}" "${plugin#*:}"
  done
else
  install_from_internet
fi

cli=$(find_cli)
missing=$(missing_parts "$cli")
[ -z "$missing" ] || { echo "engine: still missing after install: $(echo "$missing" | paste -sd, - | sed "s/,/, /g")" >&2; exit 1; }
if ! command -v pulumi >/dev/null && [ -w /usr/local/bin ]; then
  ln -sf "$cli" /usr/local/bin/pulumi
fi
echo "engine: $("$cli" version), plugins ${plugins[*]}"
