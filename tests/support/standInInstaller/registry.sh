#!/bin/sh
# Stand-in for a Docker registry's login endpoint (busybox nc -ll -e, on the VPS's 127.0.0.1:5000,
# which Docker treats as an insecure registry): GET /v2/ asks for Basic auth, then accepts any
# credentials and records the user and the SHA-256 of the password (never the password) in
# /var/log/dropit-standin-registry.log so the suite can check what `docker login` sent.
LOG=/var/log/dropit-standin-registry.log
read -r _ _ _ || exit 0  # the request line: any method and target get the same answer
authorization=""
while IFS= read -r header; do
    header=$(printf '%s' "$header" | tr -d '\r')
    [ -z "$header" ] && break
    case "$header" in [Aa]uthorization:*) authorization=$(printf '%s' "${header#*:}" | sed 's/^ *//') ;; esac
done
case "$authorization" in
    Basic\ *)
        credentials=$(printf '%s' "${authorization#Basic }" | base64 -d)
        printf '%s %s\n' "${credentials%%:*}" "$(printf '%s' "${credentials#*:}" | sha256sum | cut -d' ' -f1)" >>"$LOG"
        printf 'HTTP/1.1 200 OK\r\nDocker-Distribution-API-Version: registry/2.0\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' ;;
    *)
        printf 'HTTP/1.1 401 Unauthorized\r\nDocker-Distribution-API-Version: registry/2.0\r\nWWW-Authenticate: Basic realm="dropit-standin"\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' ;;
esac
