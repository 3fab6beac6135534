#!/usr/bin/env bash
# A manual check, not part of CI (it takes minutes and fetches from Debian's mirror and npm's
# registry): the release artifact installs with one command and runs on a FRESH Debian with
# that release's own stock nodejs and npm (12: Node 18, npm 9; 13: Node 20, npm 9), in a
# container built with debootstrap. Prints what it saw; exits non-zero on any failure.
#   bash scripts/check-install-on-debian.sh bookworm|trixie
# NOTE: the host's extra CA certificates (/usr/local/share/ca-certificates) are passed in, for
# networks that intercept TLS; npm would otherwise skip the optional Node package silently.
set -euo pipefail
suite=${1:?usage: check-install-on-debian.sh bookworm|trixie}
cd "$(dirname "$0")/.."
export PATH=$PWD/node_modules/.bin:$PATH
out=$(mktemp -d)
tgz=$(npm run -s release -- "$out" | tail -1)
image=mxcheck/debian:$suite
if ! docker image inspect "$image" >/dev/null 2>&1; then
  root=$(mktemp -d)
  debootstrap --variant=minbase --include=ca-certificates "$suite" "$root" "${MXLAB_MIRROR:-http://deb.debian.org/debian}" >"$out/debootstrap.log"
  tar -C "$root" -c . | docker import - "$image" >/dev/null
  rm -rf "$root"
fi
docker run --rm --network host -v "$tgz:/artifact.tgz:ro" \
  -v /usr/local/share/ca-certificates:/usr/local/share/ca-certificates:ro "$image" sh -ec '
  update-ca-certificates >/dev/null 2>&1; export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null 2>&1
  echo "Debian $(cat /etc/debian_version): stock node $(node --version), npm $(npm --version)"
  npm install -g /artifact.tgz --no-audit --no-fund >/dev/null 2>/tmp/install.err
  test ! -s /tmp/install.err || { echo "install wrote to stderr:"; cat /tmp/install.err; exit 1; }
  mxctl --help >/dev/null 2>/tmp/help.err && test ! -s /tmp/help.err
  mxctl init --domain example.org --acme-email admin@example.org --dir /tmp/d >/dev/null 2>/tmp/init.err && test ! -s /tmp/init.err
  test "$(stat -c %a /tmp/d/.env)" = 600
  mxctl --version | head -2
  echo "ok: installed silently; --help and init ran with nothing on stderr; .env is 0600"'
rm -rf "$out"
