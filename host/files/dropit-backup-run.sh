#!/usr/bin/env bash
# /usr/local/sbin/dropit-backup-run, installed by dropit-infra (host/files/dropit-backup-run.sh).
# Do not edit on the host. What the timers run when offsite copies or a ping URL are configured:
#   dropit-backup-run backup   local dump (dropit-pg-backup), then, with an offsite repository,
#                              its upload and the retention (dropit-pg-offsite backup, forget)
#   dropit-backup-run check    dropit-pg-offsite check
# Around either, PING_URL (from /etc/dropit/pg-offsite.secrets, mode 0600) is pinged in the
# healthchecks.io convention: <url>/start, then <url> on success or <url>/fail with the last
# lines of the run's output as the body. The URL reaches curl through a config on a file
# descriptor (-K), never argv. A failed ping is logged and never fails the backup; a failed
# step fails the run (the unit turns failed) after the ping.
# Local dumps are never deleted because an upload failed: the local retention runs in
# dropit-pg-backup before the upload, and keeps the newest dumps whatever happens offsite.
set -uo pipefail
umask 077

mode=${1:-}
case "$mode" in backup | check) ;; *) echo "usage: dropit-backup-run backup|check" >&2; exit 2 ;; esac

offsite_env=${DROPIT_PG_OFFSITE_ENV:-/etc/dropit/pg-offsite.env}
secrets=${DROPIT_PG_OFFSITE_SECRETS:-/etc/dropit/pg-offsite.secrets}
bin=${DROPIT_BIN:-/usr/local/sbin}
PING_URL=""
APPEND_ONLY=1
OFFSITE=0
if [ -r "$offsite_env" ]; then
  # shellcheck source=/dev/null
  . "$offsite_env"
fi
if [ -r "$secrets" ]; then
  # In a subshell: the repository's credentials stay out of this script's environment.
  # shellcheck source=/dev/null
  PING_URL=$(. "$secrets" && printf '%s' "${PING_URL:-}")
fi

ping() {
  local suffix=$1 body=${2:-/dev/null}
  [ -n "$PING_URL" ] || return 0
  if ! curl -fsS -o /dev/null --max-time 10 --retry 3 --retry-delay 2 --retry-connrefused \
    --data-binary "@$body" -K <(printf 'url = "%s%s"\n' "$PING_URL" "$suffix") 2>&1; then
    echo "dropit-backup-run: the ping ${suffix:-(success)} failed (ignored: the backup's own result stands)" >&2
  fi
}

steps() {
  case "$mode" in
    backup)
      "$bin/dropit-pg-backup" || return 1
      [ "$OFFSITE" = 1 ] || return 0
      "$bin/dropit-pg-offsite" backup || return 1
      if [ "$APPEND_ONLY" = 0 ]; then
        "$bin/dropit-pg-offsite" forget || return 1
      else
        echo "dropit-backup-run: append-only repository: retention runs elsewhere (docs/backups.md)"
      fi
      ;;
    check) "$bin/dropit-pg-offsite" check ;;
  esac
}

run_log=$(mktemp)
tail_file=$(mktemp)
trap 'rm -f "$run_log" "$tail_file"' EXIT
ping /start
steps 2>&1 | tee "$run_log"
status=${PIPESTATUS[0]}
if [ "$status" -eq 0 ]; then
  ping ""
  echo "dropit-backup-run: $mode succeeded"
else
  tail -n 40 "$run_log" >"$tail_file"
  ping /fail "$tail_file"
  echo "dropit-backup-run: ERROR: $mode failed (exit $status)" >&2
fi
exit "$status"
