#!/bin/bash
# A `docker` stand-in for the backup and offsite script tests, installed on PATH by
# tests/support/dockerExec.ts with its settings beside it (docker.conf: the PostgreSQL port,
# then the directory whose files steer it), read as data:
# - `docker ps ...` names one task, `pgtask`;
# - `docker exec [-i] <task> <tool> ARGS` runs the tool against the local PostgreSQL;
#   a file `dump-fails` makes it fail, `dump-format` replaces --format=custom with its content;
# - `docker service inspect --format ...` answers 2 replicas; `docker service scale X` appends
#   `scale X` to the file named in `api-log`.
here=$(dirname "$0")
{ read -r pg_port && read -r steer; } <"$here/docker.conf" || { echo "docker stand-in: no $here/docker.conf" >&2; exit 2; }
case "$1" in
  ps) echo pgtask ;;
  exec)
    shift; [ "$1" = -i ] && shift; shift
    [ -e "$steer/dump-fails" ] && exit 1
    tool=$1; shift
    args=("$@")
    if [ -e "$steer/dump-format" ]; then args=("${args[@]/--format=custom/--format=$(cat "$steer/dump-format")}"); fi
    exec "$tool" "${args[@]}" -h 127.0.0.1 -p "$pg_port" ;;
  service)
    case "$2" in
      inspect) [ "$3" = --format ] && echo 2; exit 0 ;;
      scale) echo "scale $4" >>"$(cat "$steer/api-log")" ;;
    esac ;;
esac
