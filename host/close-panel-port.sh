#!/usr/bin/env bash
# Unpublishes the panel's port 3000 once https://PANEL_HOST answers through Traefik on this
# host with a valid certificate (bounded wait; DNS and the certificate must be ready). The
# documented command, run only while 3000 is still published.
# Parameters: PANEL_HOST.
: "${PANEL_HOST:?}"
url="https://$PANEL_HOST/api/health"
published=$(sudo docker service inspect -f '{{range .Spec.EndpointSpec.Ports}} {{.PublishedPort}}{{end}}' dokploy)
case " $published " in
  *" 3000 "*) ;;
  *) echo "dropit: port 3000 already closed (the panel answers at https://$PANEL_HOST)"; exit 0 ;;
esac
ready=""
for _ in $(seq 1 36); do
  if curl -fsS -o /dev/null --max-time 10 --resolve "$PANEL_HOST:443:127.0.0.1" "$url" </dev/null 2>/dev/null; then ready=1; break; fi
  sleep 5
done
[ -n "$ready" ] || { echo "dropit: $url does not answer through Traefik with a valid certificate after ~3 min (DNS? certificate? sudo docker logs dokploy-traefik); port 3000 stays published (blocked from outside by the firewall). Re-run pulumi up once it answers." >&2; exit 1; }
sudo docker service update --quiet --detach=false --publish-rm published=3000,target=3000,mode=host dokploy >/dev/null
echo "dropit: port 3000 closed; the panel is at https://$PANEL_HOST"
