#!/bin/sh
# Asset bridging, at the start of a web task (mounted as /docker-entrypoint.d/40-dropit-asset-bridge.sh,
# which the nginx image's entrypoint runs before nginx): lists this release's assets for the
# peers, then copies into this task's web root the assets of every peer that is running, so that
# pages the previous release served keep loading from this task after the old tasks stop.
# Runs with busybox (nginx:alpine) or Debian's tools. Best effort and bounded: it never keeps
# nginx from starting, whatever happens (the image's entrypoint stops at a failing script).
#
# Environment (set by components/frontendSite.ts):
#   DROPIT_ASSET_PEERS          DNS name listing every task of the service (tasks.<service>)
#   DROPIT_ASSET_BRIDGE_PORT    port on which every task serves its own files (renderers/nginx.ts)
#   DROPIT_ASSET_BRIDGE_STATE   directory for this release's asset list
#   DROPIT_WEB_ROOT             nginx's root; its assets/ holds the hashed files
#   DROPIT_ASSET_FETCH_SECONDS  the whole copy's time limit (default 20)
set -u
peers=${DROPIT_ASSET_PEERS:-}
port=${DROPIT_ASSET_BRIDGE_PORT:-}
state=${DROPIT_ASSET_BRIDGE_STATE:-}
root=${DROPIT_WEB_ROOT:-}
budget=${DROPIT_ASSET_FETCH_SECONDS:-20}
per_request=3

log() { echo "dropit-asset-bridge: $*" >&2; }

if [ -z "$peers" ] || [ -z "$port" ] || [ -z "$state" ] || [ -z "$root" ]; then
    log "DROPIT_ASSET_PEERS, DROPIT_ASSET_BRIDGE_PORT, DROPIT_ASSET_BRIDGE_STATE and DROPIT_WEB_ROOT must be set; not bridging"
    exit 0
fi
assets="$root/assets"
if ! mkdir -p "$state" "$assets" 2>/dev/null || ! [ -w "$assets" ]; then
    log "cannot write $state or $assets (nginx not running as root?); this task serves its own release only"
    exit 0
fi

# This release's own files, listed before any peer's are added: peers copy only these, so no
# task accumulates the releases before the previous one.
(cd "$assets" && find . -type f | sed 's|^\./||' | sort) >"$state/release-assets.txt.part" &&
    mv "$state/release-assets.txt.part" "$state/release-assets.txt"

peer_addresses() {
    if getent ahostsv4 "$1" >/dev/null 2>&1; then
        getent ahostsv4 "$1" | awk '{ print $1 }' | sort -u
    else
        # busybox: no ahostsv4; nslookup's answers follow the first "Name:" line.
        nslookup "$1" 2>/dev/null | awk '
            /^Name:/ { answers = 1; next }
            answers && /^Address/ { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/) { print $i; break } }' | sort -u
    fi
}

fetch() { # url destination
    if timeout "$per_request" wget -q -O "$2.part" "$1" 2>/dev/null; then
        mv "$2.part" "$2"
    else
        rm -f "$2.part"
        return 1
    fi
}

deadline=$(($(date +%s) + budget))
copied=0
for address in $(peer_addresses "$peers"); do
    [ "$(date +%s)" -lt "$deadline" ] || { log "time limit of ${budget}s reached"; break; }
    list="$state/peer-assets.txt"
    fetch "http://$address:$port/dropit-release-assets.txt" "$list" || { log "peer $address did not list its assets"; continue; }
    while IFS= read -r name; do
        case "$name" in
        '' | /* | *..* | *[!A-Za-z0-9._/@~+-]*) continue ;;
        esac
        [ -e "$assets/$name" ] && continue
        [ "$(date +%s)" -lt "$deadline" ] || break
        mkdir -p "$(dirname "$assets/$name")" && fetch "http://$address:$port/assets/$name" "$assets/$name" && copied=$((copied + 1))
    done <"$list"
    rm -f "$list"
done
log "copied $copied asset(s) from running peers"
exit 0
