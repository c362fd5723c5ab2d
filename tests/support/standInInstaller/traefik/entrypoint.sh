#!/bin/sh
# Stand-in for the dokploy-traefik container: :80 through busybox nc, :443 through
# `openssl s_server` (one connection at a time) with a certificate from the suite's test CA,
# which stands in for Let's Encrypt. Both hand each request to route.sh.
mkdir -p /tmp
/bin/nc -ll -p 80 -e /standin/route-web.sh &
mkfifo /tmp/tls.fifo
while true; do
    openssl s_server -quiet -naccept 1 -accept 443 -cert /standin/tls/cert.pem -key /standin/tls/key.pem \
        </tmp/tls.fifo 2>>/tmp/tls.log | /standin/route.sh websecure >/tmp/tls.fifo || sleep 1
done
