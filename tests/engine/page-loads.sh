#!/usr/bin/env bash
# A client that loads pages the way a browser does, run inside the test VPS through the router:
# GET /, read the hashed asset URLs from that index.html, GET them all at once, and count the
# page as broken when any of them is not a 200. One line per page load in LOG, with the number of
# asset requests it made:
#   ok RELEASE N | broken RELEASE N URL=STATUS... | noindex STATUS
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
    # All at once, as a browser does: one curl, its transfers in parallel, one status line each.
    urls=()
    for asset in "${assets[@]}"; do urls+=(-o /dev/null "https://$host$asset"); done
    curl -s --parallel --parallel-immediate --max-time 10 --resolve "$host:443:127.0.0.1" -w '%{http_code} %{url_effective}\n' "${urls[@]}" >"$work/statuses"
    failed=()
    answered=0
    while read -r code url; do
        answered=$((answered + 1))
        [ "$code" = 200 ] || failed+=("${url#"https://$host"}=$code")
    done <"$work/statuses"
    [ "$answered" -eq "${#assets[@]}" ] || failed+=("answered=$answered/${#assets[@]}")
    if [ "${#failed[@]}" -eq 0 ]; then
        echo "ok ${release:-?} ${#assets[@]}" >>"$log"
    else
        echo "broken ${release:-?} ${#assets[@]} ${failed[*]}" >>"$log"
    fi
done
echo "done" >>"$log"
