#!/usr/bin/env bash
# Shows what each lab Synapse build does to a database made by 1.160.0 (lab/README.md): starts a
# throwaway PostgreSQL and runs synapse → synapse-next → synapse → synapse-compat → synapse →
# synapse-broken against it in turn, printing health, the reported version and the schema state
# after each. Takes about two minutes; removes its containers and folder when done.
#
# Usage: lab/images/verify-synapse-variants.sh [ADDRESS]   (a free loopback address, default 127.0.0.250)
set -uo pipefail
A=${1:-127.0.0.250}
case "$A" in 127.*) ;; *) echo "loopback addresses only" >&2; exit 2 ;; esac
D=$(mktemp -d /tmp/mxlab-variants.XXXXXX)
pg=mxlab-variants-pg; syn=mxlab-variants-synapse
cleanup() { docker rm -f $pg $syn >/dev/null 2>&1; rm -rf "$D"; }
trap cleanup EXIT
psql() { docker exec $pg psql -U synapse -d synapse -tAc "$1" 2>/dev/null; }
chmod 777 "$D"
docker run -d --name $pg --network host -e POSTGRES_USER=synapse -e POSTGRES_PASSWORD=pw -e POSTGRES_DB=synapse \
  -e POSTGRES_INITDB_ARGS="--encoding=UTF8 --locale=C" element-matrix-lab/postgres:lab postgres -c listen_addresses="$A" >/dev/null
docker run --rm --entrypoint python3 -v "$D:/data" element-matrix-lab/synapse:lab -m synapse.app.homeserver --server-name variants.test \
  --config-path /data/homeserver.yaml --generate-config --report-stats=no --data-directory /data >/dev/null
# Postgres instead of SQLite, the lab address instead of 127.0.0.1, logs to stderr.
python3 - "$D/homeserver.yaml" "$A" <<'PY'
import re, sys
p, a = sys.argv[1], sys.argv[2]
t = open(p).read()
t = re.sub(r'database:\n(  .*\n)+', f'database:\n  name: psycopg2\n  args: {{user: synapse, password: pw, dbname: synapse, host: {a}, cp_min: 1, cp_max: 2}}\n', t)
t, n = re.subn(r"- ::1\n( *)- 127\.0\.0\.1\n", f"- {a}\n", t); assert n == 1
t = re.sub(r'log_config:.*\n', '', t)
open(p, 'w').write(t)
PY
chmod -R a+rwX "$D"
for _ in $(seq 30); do docker exec $pg pg_isready -q -h "$A" && break; sleep 1; done
start() {
  docker rm -f $syn >/dev/null 2>&1
  docker run -d --name $syn --network host -v "$D:/data" "element-matrix-lab/$1:lab" run -m synapse.app.homeserver --config-path=/data/homeserver.yaml >/dev/null
  for _ in $(seq 90); do
    if curl -fsS "http://$A:8008/health" >/dev/null 2>&1; then
      echo "$1: healthy, reports $(curl -s "http://$A:8008/_matrix/federation/v1/version")"; docker stop $syn >/dev/null; return
    fi
    [ "$(docker inspect -f '{{.State.Running}}' $syn)" = true ] || { echo "$1: exited: $(docker logs $syn 2>&1 | grep -E 'Error|too new|broken' | tail -1)"; return; }
    sleep 1
  done
  echo "$1: not healthy after 90 s"; docker stop $syn >/dev/null
}
state() {
  echo "   schema_version=$(psql 'select version from schema_version') compat=$(psql 'select compat_version from schema_compat_version')" \
       "lab_upgrade_marker=[$(psql 'select string_agg(version, $$,$$) from lab_upgrade_marker')]"
}
for image in synapse synapse-next synapse synapse-compat synapse synapse-broken; do start $image; state; done
