#!/usr/bin/env bash
# Builds the lab images from Debian packages (sid; bookworm for postgres15): no image registry is reachable here.
# Each image is tagged with a hash of its recipe folder, so a changed recipe rebuilds and an
# unchanged one is reused: a warm machine rebuilds nothing. `:lab` always points at the newest.
#
# Usage: lab/images/build.sh [--force] [NAME...]   (default: every image)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${MXLAB_CACHE:-/var/cache/mxlab}
mirror=${MXLAB_MIRROR:-http://deb.debian.org/debian}
# NOTE: the synapse-* variants are FROM synapse:lab, so they come after it (seconds each); hydrogen is the
# image of the lab's element slot (a test client, not Element);
# postgres15 is the old PostgreSQL major the upgrade tests start from; synapse-workers and redis run worker mode;
# mxctl is the monitor's image (a release is copied in by its test). lab/README.md says what each is.
all=(postgres postgres15 synapse synapse-next synapse-compat synapse-broken synapse-workers nginx hydrogen certbot pebble prometheus receivers redis mxctl)
force=0
names=()
for a in "$@"; do
  case "$a" in
    --force) force=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) names+=("$a") ;;
  esac
done
[ ${#names[@]} -gt 0 ] || names=("${all[@]}")

log() { printf '[lab/images] %s\n' "$*" >&2; }
# A step that fails says which (CI once saw this script exit 1 with nothing printed).
set -E
trap 'log "failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR
command -v docker >/dev/null || { log "docker is not installed: run lab/host/install.sh"; exit 1; }
docker info >/dev/null 2>&1 || { log "the Docker daemon is not running: run lab/host/install.sh"; exit 1; }
# Test files running side by side each prepare the host: one build at a time, so a second run
# finds the images the first one built (or is building) instead of racing it over the same tags.
mkdir -p "$cache"
exec 9>"$cache/build.lock"
flock 9

# A base image per Debian suite a recipe names (`FROM element-matrix-lab/base:SUITE`): sid for
# most, bookworm for postgres15 (the only suite that still ships postgresql-15).
ensure_base() { # SUITE
  local suite=$1 base_tag="element-matrix-lab/base:$1" rootfs
  if [ $force = 0 ] && docker image inspect "$base_tag" >/dev/null 2>&1; then return; fi
  command -v debootstrap >/dev/null || { log "debootstrap is missing: run lab/host/install.sh"; return 1; }
  mkdir -p "$cache"
  rootfs=$(mktemp -d "$cache/rootfs.XXXXXX")
  log "debootstrap $suite (minbase) — about a minute"
  if ! debootstrap --variant=minbase --include=ca-certificates "$suite" "$rootfs" "$mirror" >"$cache/debootstrap-$suite.log" 2>&1; then
    rm -rf "$rootfs"; log "debootstrap failed: see $cache/debootstrap-$suite.log"; return 1
  fi
  # NOTE: keep images small and apt quiet; recipes run apt-get update themselves.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
  # NOTE: the reachable mirror may serve a sid snapshot whose Release file is past Valid-Until.
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\nAcquire::Check-Valid-Until "false";\n' \
    >"$rootfs/etc/apt/apt.conf.d/90lab"
  tar -C "$rootfs" -c . | docker import -c 'ENV LANG=C.UTF-8' - "$base_tag" >/dev/null
  rm -rf "$rootfs"
  log "imported $base_tag"
}

base_of() { sed -n 's|^FROM element-matrix-lab/base:\([a-z]*\)$|\1|p' "$here/$1/Dockerfile"; }
parent_of() { sed -n 's|^FROM \(element-matrix-lab/[a-z0-9-]*:lab\)$|\1|p' "$here/$1/Dockerfile" | grep -v '/base:' || true; }

build_one() { # NAME
  local name=$1 dir="$here/$1" parent parent_id="" hash tag start args=()
  parent=$(parent_of "$name")
  # A recipe FROM another lab image is rebuilt when that image changes: its id joins the hash.
  if [ -n "$parent" ]; then
    parent_id=$(docker image inspect -f '{{.Id}}' "$parent" 2>/dev/null) || { log "$name needs $parent: build it first"; return 1; }
  fi
  hash=$( (cd "$dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum; echo "$parent_id") | sha256sum | cut -c1-12)
  tag="element-matrix-lab/$name:$hash"
  if [ $force = 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then
    docker tag "$tag" "element-matrix-lab/$name:lab"
    return 0
  fi
  log "building $name"
  start=$(date +%s)
  # A recipe that fetches over HTTPS (npm) declares ARG LOCAL_CA_CERTS: hand it the CAs this host
  # added to its trust store, so a TLS-inspecting proxy in front of the registry is trusted there too.
  if grep -q '^ARG LOCAL_CA_CERTS' "$dir/Dockerfile"; then
    args+=(--build-arg "LOCAL_CA_CERTS=$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true)")
  fi
  # NOTE: --network host: the lab uses no Docker bridge networks (DESIGN.md §5).
  DOCKER_BUILDKIT=0 docker build -q --network host "${args[@]}" -t "$tag" -t "element-matrix-lab/$name:lab" "$dir" >"$cache/build-$name.log" 2>&1 \
    || { log "building $name failed: see $cache/build-$name.log"; tail -20 "$cache/build-$name.log" >&2; return 1; }
  log "built $name in $(( $(date +%s) - start ))s"
}

# Runs "$@" (a function and its names) for each name, at most $jobs at once; fails when any failed.
# WHY in parallel: most of a build is waiting on the mirror and on dpkg, so a fresh machine's
# set-up (CI's first step) takes about half as long with three at once, even on 2 cores.
jobs=${MXLAB_JOBS:-3}
in_parallel() { # FUNCTION NAME...
  local fn=$1 failed=0 running=0 n
  shift
  for n in "$@"; do
    "$fn" "$n" &
    running=$((running + 1))
    if [ $running -ge "$jobs" ]; then wait -n || failed=1; running=$((running - 1)); fi
  done
  while [ $running -gt 0 ]; do wait -n || failed=1; running=$((running - 1)); done
  return $failed
}

for name in "${names[@]}"; do
  [ -f "$here/$name/Dockerfile" ] || { log "no recipe for image '$name' (known: ${all[*]})"; exit 2; }
done
# In waves: the Debian bases, then every image whose parent is built (or not asked for), and so on.
suites=$(for name in "${names[@]}"; do base_of "$name"; done | sort -u)
# shellcheck disable=SC2086 # one word per suite
in_parallel ensure_base $suites || exit 1
todo=("${names[@]}")
while [ ${#todo[@]} -gt 0 ]; do
  wave=() later=()
  for name in "${todo[@]}"; do
    parent=$(parent_of "$name"); parent=${parent#element-matrix-lab/}; parent=${parent%:lab}
    if [ -n "$parent" ] && [[ " ${todo[*]} " == *" $parent "* ]]; then later+=("$name"); else wave+=("$name"); fi
  done
  [ ${#wave[@]} -gt 0 ] || { log "the recipes' FROM lines form a circle: ${todo[*]}"; exit 1; }
  in_parallel build_one "${wave[@]}" || exit 1
  todo=("${later[@]}")
done
