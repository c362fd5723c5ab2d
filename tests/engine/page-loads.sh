#!/usr/bin/env bash
# A client that loads pages the way a browser does, run inside the test VPS through the router:
# GET /, read the hashed asset URLs from that index.html, GET them all at once, and count the
# page as broken when any of them is not a 200. One line per page load in LOG:
#   ok RELEASE | broken RELEASE URL=STATUS... | noindex STATUS
# Usage: page-loads.sh HOST RUN_FILE LOG MAX_LOADS  (stops when RUN_FILE is removed, or after MAX_LOADS)
set -uo pipefail
host=$1 run_file=$2 log=$3 max_loads=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

get() { # path output-file: prints the status
    curl -s --max-time 10 -o "$2" -w '%{http_code}' --resolve "$host:443:127.0.0.1" "https://$host$1"
}

for ((load = 1; load <= max_loads; load++)); do
    [ -e "$run_file" ] || break
    status=$(get / "$work/index.html")
    release=$(grep -o 'name="dropit-release" content="[^"]*"' "$work/index.html" 2>/dev/null | sed 's/.*content="//; s/"$//')
    mapfile -t assets < <(grep -oE '(src|href)="/assets/[^"]+"' "$work/index.html" 2>/dev/null | sed -E 's/^(src|href)="//; s/"$//')
    if [ "$status" != 200 ] || [ "${#assets[@]}" -eq 0 ]; then
        echo "noindex $status" >>"$log"
        continue
    fi
    for i in "${!assets[@]}"; do get "${assets[$i]}" /dev/null >"$work/status-$i" & done
    wait
    failed=()
    for i in "${!assets[@]}"; do
        code=$(cat "$work/status-$i")
        [ "$code" = 200 ] || failed+=("${assets[$i]}=$code")
    done
    if [ "${#failed[@]}" -eq 0 ]; then echo "ok ${release:-?}" >>"$log"; else echo "broken ${release:-?} ${failed[*]}" >>"$log"; fi
done
echo "done" >>"$log"
