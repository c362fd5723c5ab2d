#!/bin/sh
# Routes one HTTP request the way Traefik would for the files this project and Dokploy write
# in /etc/dokploy/traefik/dynamic (one router per Host rule). Understood: the Host rule, the
# entry point list, redirect-to-https, a basicAuth middleware (user name only: bcrypt is not
# checked), api@internal, and http:// load-balancer URLs (forwarded as GET with nc).
entrypoint=$1
DYNAMIC=/etc/dokploy/traefik/dynamic
respond() {
    printf 'HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %s\r\nConnection: close\r\n%s\r\n%s' "$1" "${#2}" "${3:-}" "$2"
}
read -r method target _ || exit 0
host=""; authorization=""
while IFS= read -r header; do
    header=$(printf '%s' "$header" | tr -d '\r')
    [ -z "$header" ] && break
    case "$header" in
        [Hh]ost:*) host=$(printf '%s' "${header#*:}" | tr -d ' ' | cut -d: -f1) ;;
        [Aa]uthorization:*) authorization=$(printf '%s' "${header#*:}" | sed 's/^ *//') ;;
    esac
done
echo "$entrypoint $method $host$target" >>/tmp/access.log

# The router block (indent 4 under `routers:`) whose rule names this host on this entry point.
router=$(awk -v host="Host(\`$host\`)" -v ep="$entrypoint" '
    /^  routers:/ { inrouters = 1; next }
    /^  [a-z]/ { inrouters = 0 }
    inrouters && /^    [^ ]/ { if (match_rule && match_ep) { print block; exit } block = ""; match_rule = 0; match_ep = 0 }
    inrouters { block = block "\n" $0; if (index($0, "rule:") && index($0, host)) match_rule = 1; if ($0 ~ "^ +- " ep "$") match_ep = 1 }
    END { if (match_rule && match_ep) print block }' "$DYNAMIC"/*.yml 2>/dev/null)
if [ -z "$router" ]; then respond "404 Not Found" "404 page not found"; exit 0; fi

service=$(printf '%s\n' "$router" | awk '/^ +service:/ { print $2; exit }')
case "$router" in *redirect-to-https*)
    respond "308 Permanent Redirect" "" "Location: https://$host$target
"; exit 0 ;;
esac
for middleware in $(printf '%s\n' "$router" | awk '/^ +middlewares:/ { on = 1; next } on && /^ +- / { print $2; next } { on = 0 }'); do
    users=$(awk -v name="    $middleware:" '$0 == name { on = 1; next } on && /^    [^ ]/ { on = 0 } on && /^ +- .*:\$2[aby]\$/ { print $2 }' "$DYNAMIC"/*.yml)
    [ -z "$users" ] && continue
    user=$(printf '%s' "${authorization#Basic }" | base64 -d 2>/dev/null | cut -d: -f1)
    if [ -z "$authorization" ] || ! printf '%s\n' "$users" | grep -q "^$user:"; then
        respond "401 Unauthorized" "401 Unauthorized" "WWW-Authenticate: Basic realm=\"traefik\"
"; exit 0
    fi
done
if [ "$service" = "api@internal" ]; then respond "200 OK" "traefik dashboard stand-in"; exit 0; fi
url=$(awk -v name="    $service:" '$0 == name { on = 1; next } on && /^    [^ ]/ { on = 0 } on && /url:/ { print $NF; exit }' "$DYNAMIC"/*.yml)
if [ -z "$url" ]; then respond "404 Not Found" "404 page not found"; exit 0; fi
# Static busybox cannot use glibc's resolver (its wget crashes): resolve with nslookup, relay
# the upstream's response as it is with nc.
upstream=${url#http://}; upstream_host=${upstream%%:*}; upstream_port=${upstream#*:}
address=$(nslookup "$upstream_host" 127.0.0.11 2>/dev/null | awk '/^Address: / { print $2 }' | tail -n 1)
response=""
echo "upstream $address" >>/tmp/access.log
[ -n "$address" ] && response=$(printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$target" "$host" | nc -w 5 "$address" "${upstream_port%%/*}" 2>/dev/null)
if [ -n "$response" ]; then
    printf '%s' "$response"
else
    respond "502 Bad Gateway" "Bad Gateway"
fi
