#!/bin/sh
# Stand-in for nginx:1.27-alpine's /docker-entrypoint.sh, with its semantics: when the command
# is nginx, the executable *.sh files of /docker-entrypoint.d/ run in version order before it,
# and the first that fails stops the container.
set -e
if [ "${1:-}" = nginx ] || [ "${1:-}" = nginx-debug ]; then
    for script in $(find /docker-entrypoint.d/ -follow -type f -name '*.sh' -print 2>/dev/null | sort -V); do
        if [ -x "$script" ]; then
            echo "$0: Launching $script"
            "$script"
        else
            echo "$0: Ignoring $script, not executable"
        fi
    done
fi
exec "$@"
