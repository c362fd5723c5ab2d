#!/bin/sh
# Stand-in for Dokploy's install.sh (the real one needs the internet). It reproduces the real
# installer's observable effects on the host, in the same order, from images the e2e suite built
# locally (dropit-standin/*), and records every run in /var/log/dropit-standin-installer.log so
# the suite can count runs. Like the real one: root only, refuses if 80/443/3000 are taken,
# `docker swarm leave --force` before `swarm init`, no `set -e`. `sh install.sh update` updates
# the dokploy service's image. Not reproduced: Docker installation (the VPS already has
# docker.io), dokploy-postgres, the Docker secrets, the real panel and Traefik. The service uses
# ENDPOINT_MODE (which the real installer honours) defaulting to dnsrr: the test kernel has no IPVS.
# Test hook: /etc/dropit-standin/crash-after names a step after which the run dies (kill -9).
LOG=/var/log/dropit-standin-installer.log
VERSION=${DOKPLOY_VERSION:-latest}
crash_point() {
    if [ "$(cat /etc/dropit-standin/crash-after 2>/dev/null)" = "$1" ]; then
        echo "stand-in: simulated crash after $1" >>"$LOG"
        kill -9 $$
    fi
}

if [ "$(id -u)" != 0 ]; then echo "This script must be run as root" >&2; exit 1; fi

if [ "${1:-}" = update ]; then
    echo "run update version=$VERSION" >>"$LOG"
    docker service update --image "dropit-standin/dokploy:$VERSION" dokploy
    echo "Dokploy has been updated to $VERSION"
    exit 0
fi

echo "run install version=$VERSION advertise=${ADVERTISE_ADDR:-}" >>"$LOG"
for port in 80 443 3000; do
    if ss -tulnH "sport = :$port" | grep -q .; then
        echo "Error: something is already running on port $port" >&2
        exit 1
    fi
done

docker swarm leave --force 2>/dev/null
docker swarm init --advertise-addr "${ADVERTISE_ADDR:?}"
crash_point swarm
docker network rm -f dokploy-network 2>/dev/null
docker network create --driver overlay --attachable dokploy-network
crash_point network

mkdir -p /etc/dokploy/traefik/dynamic
chmod 777 /etc/dokploy
cat >/etc/dokploy/traefik/traefik.yml <<'YAML'
providers:
  swarm:
    exposedByDefault: false
    watch: true
  docker:
    exposedByDefault: false
    watch: true
    network: dokploy-network
  file:
    directory: /etc/dokploy/traefik/dynamic
    watch: true
entryPoints:
  web:
    address: :80
  websecure:
    address: :443
    http3:
      advertisedPort: 443
    http:
      tls:
        certResolver: letsencrypt
api:
  insecure: true
certificatesResolvers:
  letsencrypt:
    acme:
      email: test@localhost.com
      storage: /etc/dokploy/traefik/dynamic/acme.json
      httpChallenge:
        entryPoint: web
YAML
cat >/etc/dokploy/traefik/dynamic/middlewares.yml <<'YAML'
http:
  middlewares:
    redirect-to-https:
      redirectScheme:
        scheme: https
        permanent: true
YAML
cat >/etc/dokploy/traefik/dynamic/dokploy.yml <<'YAML'
http:
  routers:
    dokploy-router-app:
      rule: Host(`dokploy.docker.localhost`) && PathPrefix(`/`)
      service: dokploy-service-app
      entryPoints:
        - web
  services:
    dokploy-service-app:
      loadBalancer:
        servers:
          - url: http://dokploy:3000
        passHostHeader: true
YAML
crash_point files

docker service create --name dokploy --replicas 1 --network dokploy-network \
    --mount type=bind,source=/etc/dokploy,target=/etc/dokploy \
    --mount type=bind,source=/var/run/docker.sock,target=/var/run/docker.sock \
    --publish published=3000,target=3000,mode=host \
    --endpoint-mode "${ENDPOINT_MODE:-dnsrr}" --update-parallelism 1 --update-order stop-first --constraint 'node.role == manager' \
    "dropit-standin/dokploy:$VERSION"
crash_point service

docker run -d --name dokploy-traefik --restart always --network dokploy-network \
    -v /etc/dokploy/traefik/traefik.yml:/etc/traefik/traefik.yml \
    -v /etc/dokploy/traefik/dynamic:/etc/dokploy/traefik/dynamic \
    -v /var/run/docker.sock:/var/run/docker.sock:ro \
    -p 80:80/tcp -p 443:443/tcp -p 443:443/udp \
    dropit-standin/traefik:latest

echo "Congratulations, Dokploy is installed!"
echo "completed" >>"$LOG"
