#!/usr/bin/env bash
# Installs what a fresh Debian 12 host needs to run the lab: Docker Engine (docker.io),
# compose v2, debootstrap, docker-registry, chromium (browser tests), zsh and fish (completion tests), restic (repository mode), and starts dockerd. Idempotent: safe to run again.
#
# NOTE: compose v2 is not in bookworm. We fetch Debian sid's docker-compose .deb with a
# private apt state directory (never touching the host's sources.list), as DESIGN.md §5 says.
set -euo pipefail

log() { printf '[lab/host] %s\n' "$*" >&2; }

need_apt=()
command -v dockerd >/dev/null || need_apt+=(docker.io)
command -v debootstrap >/dev/null || need_apt+=(debootstrap)
command -v gpg >/dev/null || need_apt+=(gnupg)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v ss >/dev/null || need_apt+=(iproute2)
# synadm: an independent admin CLI the admin e2e tests cross-check mxctl against.
command -v synadm >/dev/null || need_apt+=(synadm)
# rclone (1.60 in bookworm): the rclone-remote offsite target and its tests.
command -v rclone >/dev/null || need_apt+=(rclone)
# restic (0.14 in bookworm): BACKUP_MODE=repository and its tests. Bookworm's, not sid's 0.19:
# it installs by plain apt with Debian's security updates, and 0.14 already has all mxctl uses
# (--stdin-filename, --json, check --read-data-subset n/t and x%, unlock of stale locks only).
command -v restic >/dev/null || need_apt+=(restic)
# docker-registry (Distribution 2.8 in bookworm): the lab's image registry for upgrade tests;
# lab/registry.ts runs it on a loopback address with its own config, never the package's unit.
command -v docker-registry >/dev/null || need_apt+=(docker-registry)
# chromium (bookworm): the browser e2e tests drive it headless with puppeteer-core (lab/browser.ts).
command -v chromium >/dev/null || need_apt+=(chromium)
# certutil: the browser trusts the lab's ACME CA through its own NSS database, as a user's would.
command -v certutil >/dev/null || need_apt+=(libnss3-tools)
# zsh and fish: the completion tests run `mxctl completion zsh|fish` in the real shells.
command -v zsh >/dev/null || need_apt+=(zsh)
command -v fish >/dev/null || need_apt+=(fish)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# NOTE: the package enables a service on every interface (:5000); the lab never wants that one.
if command -v docker-registry >/dev/null && command -v systemctl >/dev/null && systemctl is-enabled docker-registry >/dev/null 2>&1; then
  log "disabling the docker-registry package's own service (the lab runs its registry on loopback)"
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi

if ! docker compose version >/dev/null 2>&1; then
  log "installing compose v2 from Debian sid (private apt state)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  echo "deb http://deb.debian.org/debian sid main" >"$work/sid.list"
  apt_opts=(-o APT::Sandbox::User=root -o Acquire::Check-Valid-Until=false -o "Dir::Etc::SourceList=$work/sid.list" -o "Dir::Etc::SourceParts=-"
            -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "APT::Get::List-Cleanup=0")
  apt-get "${apt_opts[@]}" update -qq
  (cd "$work" && apt-get "${apt_opts[@]}" download docker-compose >/dev/null)
  dpkg -i "$work"/docker-compose_*.deb >/dev/null
  # The sid package installs the plugin for /usr/bin/docker; a docker CLI elsewhere on the PATH
  # (e.g. /usr/local/bin/docker) searches /usr/local/lib/docker/cli-plugins too.
  plugin=$(dpkg -L docker-compose | grep -E 'cli-plugins/docker-compose$' | head -1 || true)
  if [ -n "$plugin" ] && ! docker compose version >/dev/null 2>&1; then
    mkdir -p /usr/local/lib/docker/cli-plugins
    ln -sf "$plugin" /usr/local/lib/docker/cli-plugins/docker-compose
  fi
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  mkdir -p /var/log
  if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
    systemctl start docker
  else
    # A machine that was stopped without its daemons keeps their pid files (/var/run is not a
    # tmpfs everywhere); dockerd then waits on a containerd that is gone, or another process that
    # got its pid. A pid file whose process is not the daemon it names is removed first.
    for f in /var/run/docker.pid:dockerd /var/run/docker/containerd/containerd.pid:containerd; do
      pidfile=${f%%:*} name=${f##*:}
      [ -f "$pidfile" ] || continue
      [ "$(cat "/proc/$(cat "$pidfile")/comm" 2>/dev/null)" = "$name" ] || rm -f "$pidfile"
    done
    (setsid dockerd >/var/log/dockerd.log 2>&1 &)
  fi
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/dockerd.log"; exit 1; }
fi
log "docker $(docker version --format '{{.Server.Version}}') + $(docker compose version --short) ready"
