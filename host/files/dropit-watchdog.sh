#!/usr/bin/env bash
# DropIt's watchdog, installed by dropit-infra as /usr/local/sbin/dropit-watchdog and run every
# minute by dropit-watchdog.timer (docs/monitoring.md). One run:
# - probes the host: the API's and the site's health URLs through the router, pg_isready in the
#   database task (its healthcheck, read from Docker's Engine API with curl and jq), disk and inode use of / and of Docker's data root, memory, each service's
#   running/desired tasks and restarts in the window, the age of the newest backup;
# - keeps one state per check in STATE_DIR (ok, pending since T, firing since T), so a condition
#   alerts only once it has held FOR_SECONDS, alerts once (firing), then once more (resolved),
#   and a reboot or a re-install does not re-fire what already fired;
# - pings HEARTBEAT_URL (healthchecks.io convention: URL, or URL/fail while a check fires).
# Parameters: /etc/dropit/watchdog.env (WATCHDOG_ENV), secrets (ALERT_URL, HEARTBEAT_URL) in
# /etc/dropit/watchdog.secrets.env (WATCHDOG_SECRETS, mode 0600). The URLs reach curl through a
# config file on a pipe (-K), never through its argv.
set -euo pipefail
export TZ=UTC LC_ALL=C

# shellcheck source=/dev/null
. "${WATCHDOG_ENV:-/etc/dropit/watchdog.env}"
secrets_file=${WATCHDOG_SECRETS:-/etc/dropit/watchdog.secrets.env}
ALERT_URL="" HEARTBEAT_URL=""
# shellcheck source=/dev/null
if [ -r "$secrets_file" ]; then . "$secrets_file"; fi
: "${STATE_DIR:?}" "${FOR_SECONDS:?}" "${DISK_PERCENT:?}" "${INODE_PERCENT:?}" "${MEMORY_PERCENT:?}"
: "${RESTARTS_MAX:?}" "${RESTART_WINDOW_SECONDS:?}" "${ALERT_FORMAT:?}" "${HOST_LABEL:?}"
ROUTER_ADDRESS=${ROUTER_ADDRESS:-127.0.0.1}
MEMINFO=${MEMINFO:-/proc/meminfo}
SERVICES=${SERVICES:-}
API_HEALTH_URL=${API_HEALTH_URL:-} WEB_HEALTH_URL=${WEB_HEALTH_URL:-}
POSTGRES_SERVICE=${POSTGRES_SERVICE:-}
DOCKER_SOCKET=${DOCKER_SOCKET:-/var/run/docker.sock}
BACKUP_DIR=${BACKUP_DIR:-} BACKUP_MAX_AGE_SECONDS=${BACKUP_MAX_AGE_SECONDS:-0}

mkdir -p "$STATE_DIR"
chmod 700 "$STATE_DIR"
# Runs never overlap (a manual run beside the timer's): the second one exits.
exec 9>"$STATE_DIR/.lock"
flock -n 9 || { echo "dropit-watchdog: another run holds $STATE_DIR/.lock" >&2; exit 0; }

now=$(date +%s)
declare -a names=() results=() details=()

# record NAME ok|bad DETAIL
record() {
  names+=("$1")
  results+=("$2")
  details+=("$3")
}

# check_http NAME URL: 2xx or 3xx through the router on this host, whatever DNS says.
check_http() {
  local name=$1 url=$2 rest hostport host port code attempt
  rest=${url#*://}
  hostport=${rest%%/*}
  host=${hostport%:*}
  port=${hostport##*:}
  if [ "$port" = "$hostport" ]; then
    case "$url" in https://*) port=443 ;; *) port=80 ;; esac
  fi
  # Asked twice, a second apart, before it counts as failing: a single dropped connection
  # (Traefik reloading) is not an outage. (curl's own --retry cannot rewind -o /dev/null.)
  for attempt in 1 2; do
    code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 --resolve "$host:$port:$ROUTER_ADDRESS" "$url" 2>/dev/null) || true
    case "$code" in 2?? | 3??) break ;; esac
    if [ "$attempt" = 1 ]; then sleep 1; fi
  done
  case "$code" in
    2?? | 3??) record "$name" ok "$url answered $code" ;;
    *) record "$name" bad "$url answered ${code:-nothing}" ;;
  esac
}

# check_usage NAME PATH: percent of blocks and of inodes used on PATH's filesystem.
check_usage() {
  local name=$1 path=$2 used
  used=$(df -P "$path" 2>/dev/null | awk 'NR == 2 { sub(/%/, "", $5); print $5 }') || true
  if [ -z "$used" ]; then
    record "disk-$name" bad "cannot read the disk use of $path"
  elif [ "$used" -ge "$DISK_PERCENT" ]; then
    record "disk-$name" bad "$path is ${used}% full (threshold ${DISK_PERCENT}%)"
  else
    record "disk-$name" ok "$path is ${used}% full"
  fi
  used=$(df -P -i "$path" 2>/dev/null | awk 'NR == 2 { sub(/%/, "", $5); print ($5 == "-" ? 0 : $5) }') || true
  if [ -z "$used" ]; then
    record "inodes-$name" bad "cannot read the inode use of $path"
  elif [ "$used" -ge "$INODE_PERCENT" ]; then
    record "inodes-$name" bad "$path uses ${used}% of its inodes (threshold ${INODE_PERCENT}%)"
  else
    record "inodes-$name" ok "$path uses ${used}% of its inodes"
  fi
}

check_memory() {
  local used
  used=$(awk '/^MemTotal:/ { total = $2 } /^MemAvailable:/ { available = $2 } END { if (total > 0) print int(100 - available * 100 / total) }' "$MEMINFO" 2>/dev/null) || true
  if [ -z "$used" ]; then
    record memory bad "cannot read $MEMINFO"
  elif [ "$used" -ge "$MEMORY_PERCENT" ]; then
    record memory bad "${used}% of the memory is in use (threshold ${MEMORY_PERCENT}%)"
  else
    record memory ok "${used}% of the memory is in use"
  fi
}

# GET on Docker's Engine API through its socket (curl and jq stay near 10 MB resident; the Go
# docker CLI alone is near 40 MB).
engine() {
  curl -sS --fail --max-time 10 --unix-socket "$DOCKER_SOCKET" "$@"
}

# Services: running/desired tasks as Swarm counts them; restarts from Swarm's task list: the tasks
# that ended on their own in the window (failed, rejected, or exited), so the tasks a rolling
# update shuts down are not counted however many deploys run in the window, and tasks on other
# nodes are; PostgreSQL from its task's healthcheck (pg_isready, renderers/healthchecks.ts).
check_services() {
  local listing ended tasks since service service_id counts running desired restarts
  listing=$(engine 'http://docker/services?status=true' |
    jq -r '.[] | "\(.Spec.Name) \(.ID) \(.ServiceStatus.RunningTasks // 0) \(.ServiceStatus.DesiredTasks // 0)"' 2>/dev/null) || listing=""
  # Task timestamps are RFC 3339 in UTC with nanoseconds, which fromdateiso8601 does not read.
  ended=$(engine 'http://docker/tasks' |
    jq -r '.[] | select(.Status.State == "failed" or .Status.State == "rejected" or .Status.State == "complete")
      | "\(.ServiceID) \(.Status.Timestamp | sub("\\.[0-9]+"; "") | fromdateiso8601)"' 2>/dev/null) || ended=""
  tasks=$(engine -G 'http://docker/containers/json' --data-urlencode 'all=1' \
    --data-urlencode 'filters={"label":["com.docker.swarm.service.name"]}' |
    jq -r '.[] | "\(.Labels["com.docker.swarm.service.name"])|\(.State)|\(.Created)|\(.Status)"' 2>/dev/null) || tasks=""
  since=$((now - RESTART_WINDOW_SECONDS))
  for service in $SERVICES; do
    counts=$(printf '%s\n' "$listing" | awk -v name="$service" '$1 == name { print $2, $3, $4; exit }')
    if [ -z "$counts" ]; then
      record "service-$service" bad "$service is not a service on this host"
      continue
    fi
    read -r service_id running desired <<<"$counts"
    restarts=$(printf '%s\n' "$ended" | awk -v id="$service_id" -v since="$since" \
      '$1 == id && $2 >= since { count++ } END { print count + 0 }')
    if [ "$running" -lt "$desired" ]; then
      record "service-$service" bad "$service runs $running of $desired tasks ($restarts restarts in ${RESTART_WINDOW_SECONDS}s)"
    elif [ "$restarts" -ge "$RESTARTS_MAX" ]; then
      record "service-$service" bad "$service restarted $restarts times in ${RESTART_WINDOW_SECONDS}s (threshold $RESTARTS_MAX)"
    else
      record "service-$service" ok "$service runs $running of $desired tasks, $restarts restarts in ${RESTART_WINDOW_SECONDS}s"
    fi
  done
  if [ -n "$POSTGRES_SERVICE" ]; then
    local status
    status=$(printf '%s\n' "$tasks" | awk -F'|' -v name="$POSTGRES_SERVICE" '$1 == name && $2 == "running" { print $4; exit }')
    case "$status" in
      "") record postgres bad "no running task of $POSTGRES_SERVICE" ;;
      *"(healthy)"*) record postgres ok "pg_isready answers in $POSTGRES_SERVICE (its healthcheck)" ;;
      *) record postgres bad "pg_isready fails in $POSTGRES_SERVICE (its healthcheck: $status)" ;;
    esac
  fi
}

check_backup() {
  local newest age
  newest=$(find "$BACKUP_DIR" -maxdepth 1 -type f -name '*.dump' -printf '%T@\n' 2>/dev/null | sort -n | tail -n 1)
  if [ -z "$newest" ]; then
    record backup bad "no backup in $BACKUP_DIR"
    return
  fi
  age=$((now - ${newest%.*}))
  if [ "$age" -gt "$BACKUP_MAX_AGE_SECONDS" ]; then
    record backup bad "the newest backup in $BACKUP_DIR is $((age / 3600)) h old (threshold $((BACKUP_MAX_AGE_SECONDS / 3600)) h)"
  else
    record backup ok "the newest backup in $BACKUP_DIR is $((age / 60)) min old"
  fi
}

# --- probes -----------------------------------------------------------------------------------
if [ -n "$API_HEALTH_URL" ]; then check_http api-health "$API_HEALTH_URL"; fi
if [ -n "$WEB_HEALTH_URL" ]; then check_http web-health "$WEB_HEALTH_URL"; fi
check_usage root /
if docker_root=$(engine http://docker/info | jq -r '.DockerRootDir // empty' 2>/dev/null) && [ -n "$docker_root" ]; then
  record docker ok "the Docker engine answers"
  # One alert per filesystem: the data root is checked apart only when it is another one.
  if [ "$(stat -c %d "$docker_root" 2>/dev/null)" != "$(stat -c %d /)" ]; then check_usage docker "$docker_root"; fi
  check_services
else
  record docker bad "the Docker engine does not answer"
fi
check_memory
if [ -n "$BACKUP_DIR" ]; then check_backup; fi

# --- alerts -------------------------------------------------------------------------------------
json_string() {
  local text=$1
  text=${text//\\/\\\\}
  text=${text//\"/\\\"}
  text=${text//$'\n'/\\n}
  text=${text//$'\t'/\\t}
  printf '"%s"' "$text"
}

# notify firing|resolved CHECK DETAIL SINCE: one message; returns non-zero when it was not delivered.
notify() {
  local status=$1 check=$2 detail=$3 since=$4 title
  title="[$HOST_LABEL] $check ${status^^}"
  echo "dropit-watchdog: ${status^^} $check: $detail"
  [ -n "$ALERT_URL" ] || return 0
  if [ "$ALERT_FORMAT" = json ]; then
    printf '{"status":%s,"check":%s,"host":%s,"summary":%s,"since":%s,"at":%s}\n' \
      "$(json_string "$status")" "$(json_string "$check")" "$(json_string "$HOST_LABEL")" "$(json_string "$detail")" \
      "$(json_string "$(date -u -d "@$since" +%Y-%m-%dT%H:%M:%SZ)")" "$(json_string "$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%SZ)")" |
      curl -fsS -o /dev/null --max-time 10 --retry 2 -K <(printf 'url = "%s"\n' "$ALERT_URL") \
        -H 'Content-Type: application/json' --data-binary @-
  else
    local priority=high tags=rotating_light
    if [ "$status" = resolved ]; then priority=default tags=white_check_mark; fi
    printf '%s\n' "$detail" |
      curl -fsS -o /dev/null --max-time 10 --retry 2 -K <(printf 'url = "%s"\n' "$ALERT_URL") \
        -H "Title: $title" -H "Priority: $priority" -H "Tags: $tags" -H 'Content-Type: text/plain' --data-binary @-
  fi
}

firing_count=0
summary=""
for i in "${!names[@]}"; do
  check=${names[$i]} result=${results[$i]} detail=${details[$i]}
  file="$STATE_DIR/$check"
  state=ok since=$now
  if [ -r "$file" ]; then read -r state since <"$file" || true; fi
  case "$state" in ok | pending | firing) ;; *) state=ok ;; esac
  [[ "$since" =~ ^[0-9]+$ ]] || since=$now
  next=$state next_since=$since
  if [ "$result" = bad ]; then
    [ "$state" != ok ] || { next=pending next_since=$now; }
    if [ "$next" = pending ] && [ $((now - next_since)) -ge "$FOR_SECONDS" ]; then
      # Marked firing only once delivered: an alert that failed is sent again on the next run.
      if notify firing "$check" "$detail" "$next_since"; then next=firing; else echo "dropit-watchdog: the firing alert for $check was not delivered; retrying next run" >&2; fi
    fi
  else
    if [ "$state" = firing ]; then
      if notify resolved "$check" "$detail" "$since"; then next=ok; else echo "dropit-watchdog: the resolved alert for $check was not delivered; retrying next run" >&2; fi
    else
      next=ok
    fi
    if [ "$next" = ok ] && [ "$state" != ok ]; then next_since=$now; fi
  fi
  if [ "$next" = firing ]; then
    firing_count=$((firing_count + 1))
    summary+="FIRING $check: $detail"$'\n'
  elif [ "$result" = bad ]; then
    summary+="pending $check: $detail"$'\n'
  fi
  if [ "$next $next_since" != "$state $since" ] || [ ! -e "$file" ]; then
    printf '%s %s\n' "$next" "$next_since" >"$file.new"
    mv "$file.new" "$file"
  fi
done

# --- heartbeat ----------------------------------------------------------------------------------
echo "dropit-watchdog: ${#names[@]} checks, $firing_count firing"
if [ -n "$HEARTBEAT_URL" ]; then
  suffix=""
  [ "$firing_count" -eq 0 ] || suffix=/fail
  printf '%s' "${summary:-all ${#names[@]} checks ok}" |
    curl -fsS -o /dev/null --max-time 10 --retry 2 -K <(printf 'url = "%s%s"\n' "$HEARTBEAT_URL" "$suffix") --data-binary @- ||
    echo "dropit-watchdog: the heartbeat ping failed" >&2
fi
