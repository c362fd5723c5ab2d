#!/bin/bash
# Stand-in for the API in the backup drill (the NestJS image cannot be built without a
# registry): answers GET /cgi-bin/api on API_PORT with the number of tables it reads from
# PostgreSQL at DB_HOST with DB_USER/DB_PASSWORD/DB_NAME, the environment the program gives the
# real API. A database it cannot read gives 503.
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
chmod 755 /www/cgi-bin/api
export DB_HOST DB_PORT DB_USER DB_PASSWORD DB_NAME
exec busybox httpd -f -p "$API_PORT" -h /www
