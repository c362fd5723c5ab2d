#!/usr/bin/env bash
# The app syncs its schema at start-up: a dump precedes every new API image.
sudo /usr/local/sbin/dropit-pg-backup
echo "dropit: database dumped before the API rollout"
