#!/bin/sh
# Mirrors matrixdotorg/synapse's start.py for the modes the deployment uses.
set -eu
mode=${1:-run}
config_dir=${SYNAPSE_CONFIG_DIR:-/data}
config_path=${SYNAPSE_CONFIG_PATH:-$config_dir/homeserver.yaml}
worker=${SYNAPSE_WORKER:-synapse.app.homeserver}
case "$mode" in
  run) ;;
  *) echo "start.sh: mode '$mode' is not supported by the lab image (only 'run')" >&2; exit 1 ;;
esac
if [ $# -gt 1 ]; then
  shift
  set -- python3 "$@"
else
  [ -f "$config_path" ] || { echo "Config file '$config_path' does not exist." >&2; exit 1; }
  set -- python3 -m "$worker" --config-path "$config_path"
fi
if [ "$(id -u)" = 0 ]; then
  exec setpriv --reuid="${UID:-991}" --regid="${GID:-991}" --clear-groups "$@"
fi
exec "$@"
