#!/bin/sh
# Stand-in for the Dokploy panel's HTTP API, one connection per run (busybox nc -ll -e).
# GET /api/health; GET /standin/whoami (the container's host name: which task answered); POST /api/auth/sign-up/email creates the owner once, then answers 400 like
# the real sign-up hook once an owner exists. The owner is kept in /etc/dokploy (bind mount),
# as the real panel keeps it in its database: as a SHA-256 of the request, never the password.
OWNER=/etc/dokploy/.standin-owner
respond() {
    printf 'HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' "$1" "${#2}" "$2"
}
read -r method target _ || exit 0
length=0
while IFS= read -r header; do
    header=$(printf '%s' "$header" | tr -d '\r')
    [ -z "$header" ] && break
    case "$header" in [Cc]ontent-[Ll]ength:*) length=$(printf '%s' "${header#*:}" | tr -d ' ') ;; esac
done
body=""
[ "$length" -gt 0 ] 2>/dev/null && body=$(head -c "$length")
case "$method $target" in
    "GET /api/health") respond "200 OK" '{"status":"ok"}' ;;
    "POST /api/auth/sign-up/email")
        case "$body" in *'"email"'*'"password"'*|*'"password"'*'"email"'*) ;; *) respond "400 Bad Request" '{"message":"invalid body"}'; exit 0 ;; esac
        if [ -e "$OWNER" ]; then
            respond "400 Bad Request" '{"code":"ADMIN_ALREADY_EXISTS","message":"Admin is already created"}'
        else
            printf '%s' "$body" | sha256sum | cut -d' ' -f1 >"$OWNER"
            respond "200 OK" '{"token":null,"user":{"id":"standin-owner"}}'
        fi ;;
    "GET /standin/whoami") respond "200 OK" "$(hostname)" ;;
    "GET "*) respond "200 OK" '{"panel":"dokploy stand-in"}' ;;
    *) respond "404 Not Found" '{"message":"not found"}' ;;
esac
