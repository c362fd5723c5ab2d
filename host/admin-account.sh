#!/usr/bin/env bash
# The first Dokploy account (the owner) right after the install, so that nobody else can claim
# the panel. The JSON body {name, email, password} arrives on stdin and goes to curl's stdin:
# the password is never an argument. Idempotent: a marker records success; an answer saying an
# owner exists counts as done (an earlier run may have stopped before writing the marker).
# Parameters: STATE_DIR.
: "${STATE_DIR:?}"
panel=http://127.0.0.1:3000
marker="$STATE_DIR/dokploy-admin-created"
if sudo test -e "$marker"; then
  echo "dropit: the Dokploy owner account already exists"
  exit 0
fi
ready=""
for _ in $(seq 1 60); do
  if curl -fsS -o /dev/null --max-time 5 "$panel/api/health" </dev/null 2>/dev/null; then ready=1; break; fi
  sleep 2
done
[ -n "$ready" ] || { echo "dropit: the Dokploy panel did not answer on $panel within ~3 min (sudo docker service ps dokploy)" >&2; exit 1; }
response=$(mktemp)
trap 'rm -f "$response"' EXIT
status=$(curl -sS -o "$response" -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' --data-binary @- "$panel/api/auth/sign-up/email")
case "$status" in
  2??) echo "dropit: Dokploy owner account created (password: the dokployAdminPassword stack output)" ;;
  4??)
    if grep -qi 'already' "$response"; then
      echo "dropit: Dokploy already has an owner; if dokployAdminPassword does not open the panel, someone else created it: reset it (docs/host.md, Uninstall)"
    else
      echo "dropit: creating the Dokploy owner failed (HTTP $status): $(head -c 300 "$response")" >&2
      exit 1
    fi ;;
  *) echo "dropit: creating the Dokploy owner failed (HTTP $status): $(head -c 300 "$response")" >&2; exit 1 ;;
esac
sudo mkdir -p "$STATE_DIR"
sudo touch "$marker"
