#!/bin/bash
# Stand-in for the API in the backup drill and the multi-node suite (the NestJS image cannot be
# built without a registry), on API_PORT with the environment the program gives the real API
# (PostgreSQL at DB_HOST with DB_USER/DB_PASSWORD/DB_NAME):
# - GET /cgi-bin/api: the number of tables it reads; a database it cannot read gives 503;
# - POST /cgi-bin/write?key=K: inserts one row (K: letters, digits, dashes) into e2e_writes and
#   answers its id once committed; anything else gives 503;
# - GET /api/health: a static answer, for the task's health check.
set -euo pipefail
: "${API_PORT:?}" "${DB_HOST:?}" "${DB_PORT:?}" "${DB_USER:?}" "${DB_PASSWORD:?}" "${DB_NAME:?}"
mkdir -p /www/cgi-bin
cat >/www/cgi-bin/api <<'CGI'
#!/bin/bash
if tables=$(PGPASSWORD=$DB_PASSWORD psql -X -q -t -A -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" \
  -c "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'" 2>/dev/null); then
  printf 'Status: 200 OK\r\nContent-Type: application/json\r\n\r\n{"status":"ok","tables":%s}\n' "$tables"
else
  printf 'Status: 503 Service Unavailable\r\nContent-Type: application/json\r\n\r\n{"status":"no database"}\n'
fi
CGI
cat >/www/cgi-bin/write <<'CGI'
#!/bin/bash
key=${QUERY_STRING#key=}
if [[ $REQUEST_METHOD == POST && $key =~ ^[A-Za-z0-9-]{1,64}$ ]] &&
  id=$(echo "INSERT INTO e2e_writes (key) VALUES (:'key') RETURNING id;" | PGPASSWORD=$DB_PASSWORD psql -X -q -t -A \
    -v ON_ERROR_STOP=1 -v key="$key" -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" 2>/dev/null) && [ -n "$id" ]; then
  printf 'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n%s\n' "$id"
else
  printf 'Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nnot written\n'
fi
CGI
chmod 755 /www/cgi-bin/api /www/cgi-bin/write
mkdir -p /www/api && printf '{"status":"ok"}\n' >/www/api/health
export DB_HOST DB_PORT DB_USER DB_PASSWORD DB_NAME
exec busybox httpd -f -p "$API_PORT" -h /www
