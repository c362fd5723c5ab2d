#!/usr/bin/env bash
# The documented uninstall, run by `pulumi destroy` only when dokploy.uninstallOnDestroy is
# set: Dokploy's services, container, volumes, network, the swarm, /etc/dokploy and our state.
# Parameters: STATE_DIR.
: "${STATE_DIR:?}"
sudo docker service rm dokploy dokploy-postgres >/dev/null 2>&1 || true
sudo docker rm -f dokploy-traefik >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  sudo docker volume rm dokploy-postgres >/dev/null 2>&1 || true
  sudo docker volume inspect dokploy-postgres >/dev/null 2>&1 || break
  sleep 2
done
sudo docker network rm dokploy-network >/dev/null 2>&1 || true
sudo docker swarm leave --force >/dev/null 2>&1 || true
sudo rm -rf /etc/dokploy "$STATE_DIR"
echo "dropit: Dokploy uninstalled (its data is gone)"
