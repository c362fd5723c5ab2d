#!/usr/bin/env bash
# Makes the Pulumi engine available at the version package.json pins for @pulumi/pulumi:
# an installed `pulumi` is used as it is; otherwise the CLI and a Node.js language host are
# built from Go modules (engine/) into $PULUMI_HOME/bin (default ~/.pulumi/bin), the
# place Pulumi's own installer uses. Go's module and build caches make a second run take seconds.
# Resource plugins already installed are listed; none is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."

pinned_version() {
  node -p "require('./node_modules/$1/package.json').version"
}

sdk_version=$(pinned_version @pulumi/pulumi)
pulumi_home=${PULUMI_HOME:-$HOME/.pulumi}
bin_dir="$pulumi_home/bin"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

existing=$(command -v pulumi || true)
[ -n "$existing" ] || { [ -x "$bin_dir/pulumi" ] && existing="$bin_dir/pulumi"; }

if [ -n "$existing" ] && [ "$("$existing" version 2>/dev/null)" = "v$sdk_version" ]; then
  echo "engine: using $existing ($sdk_version)"
elif [ -n "$existing" ] && [ -z "${DROPIT_BUILD_ENGINE:-}" ]; then
  echo "engine: using $existing ($("$existing" version 2>/dev/null || echo unknown version); package.json pins $sdk_version)"
else
  command -v go >/dev/null || { echo "engine: no pulumi CLI and no Go toolchain: install Pulumi (https://www.pulumi.com/docs/install/) or Go" >&2; exit 1; }
  echo "engine: building pulumi v$sdk_version and the Node.js language host from Go modules (cached after the first build)"
  if ! grep -Eq "github.com/pulumi/pulumi/pkg/v3 v$sdk_version( |$)" engine/go.mod; then
    echo "engine: engine/go.mod does not require pulumi v$sdk_version; update it to the @pulumi/pulumi version" >&2
    exit 1
  fi
  mkdir -p "$bin_dir"
  version_flag="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$sdk_version"
  (
    cd engine
    export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly
    go build -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w $version_flag" \
      -o "$bin_dir/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    go build -trimpath -ldflags "-s -w $version_flag" -o "$bin_dir/pulumi-language-nodejs" ./nodejs-host
  )
  existing="$bin_dir/pulumi"
fi

# Dynamic providers run through this launcher, which the SDK's npm package ships.
engine_dir=$(dirname "$(readlink -f "$existing")")
if [ ! -x "$engine_dir/pulumi-resource-pulumi-nodejs" ] && [ -w "$engine_dir" ]; then
  install -m 0755 node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs "$engine_dir/"
fi
if ! command -v pulumi >/dev/null && [ -w /usr/local/bin ]; then
  ln -sf "$existing" /usr/local/bin/pulumi
fi

for package in command docker random; do
  plugin_version=$(pinned_version "@pulumi/$package")
  if [ -d "$pulumi_home/plugins/resource-$package-v$plugin_version" ]; then
    echo "engine: plugin $package $plugin_version installed"
  else
    echo "engine: plugin $package $plugin_version not installed (docs/engine.md says why it is not built here)"
  fi
done
"$existing" version
