// How a renewal reaches nginx without a restart, and without giving certbot any power over
// nginx beyond "re-read your files": certbot's deploy hook leaves a stamp on the certs volume
// both containers already share; a watcher started by nginx's entrypoint polls the stamp and
// runs `nginx -t && nginx -s reload` when it changes (a graceful reload: open connections are
// served to the end by the old workers). No Docker socket (root-equivalent), no shared PID
// namespace (breaks when nginx is not PID 1), no blind reload every few hours.

/** certs/<this>: written by the deploy hook, read (read-only mount) by nginx's watcher. */
export const RENEWAL_STAMP = 'mxctl/renewed';
/** certbot runs every executable file in renewal-hooks/deploy/ after each certificate it deploys. */
export const DEPLOY_HOOK = 'renewal-hooks/deploy/mxctl-reload-nginx.sh';
/** nginx/<this>, mounted into the nginx container. */
export const RELOAD_WATCHER = 'reload-on-renewal.sh';
/** Strict-Transport-Security: two years (Mozilla's guideline), no includeSubDomains (other hosts of the domain may be plain HTTP). */
export const HSTS_HEADER = 'max-age=63072000';

export function renderDeployHook(): string {
  return `#!/bin/sh
# Written by \`mxctl init\`. certbot runs it after every certificate it issues or renews (and on
# \`renew --dry-run --run-deploy-hooks\`). It only leaves a stamp on the shared certs volume;
# nginx's watcher (nginx/${RELOAD_WATCHER}) reloads nginx when the stamp changes.
set -eu
dir=/etc/letsencrypt/${RENEWAL_STAMP.split('/')[0]}
mkdir -p "$dir"
printf '%s %s %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$$" "\${RENEWED_LINEAGE:-}" >"$dir/renewed.tmp"
mv "$dir/renewed.tmp" "$dir/renewed"
`;
}

export function renderReloadWatcher(): string {
  return `# Written by \`mxctl init\`; nginx's entrypoint runs it before nginx starts (compose file).
# HSTS is sent only once certbot has deployed a certificate from the configured CA (the stamp
# exists; mxctl removes it when it puts a self-signed placeholder back). Then it watches the
# stamp in the background and reloads nginx gracefully whenever certbot deploys a certificate.
stamp=/etc/letsencrypt/${RENEWAL_STAMP}
every=\${MXCTL_RELOAD_POLL_SECONDS:-5}
hsts() {
  mkdir -p /etc/nginx/mxctl
  if [ -s "$stamp" ]; then
    echo 'add_header Strict-Transport-Security "${HSTS_HEADER}" always;' >/etc/nginx/mxctl/hsts.conf
  else
    rm -f /etc/nginx/mxctl/hsts.conf
  fi
}
hsts
(
  last=$(cat "$stamp" 2>/dev/null || true)
  while sleep "$every"; do
    now=$(cat "$stamp" 2>/dev/null || true)
    [ "$now" = "$last" ] && continue
    last=$now
    hsts
    if nginx -t -q; then
      nginx -s reload && echo "mxctl: certificate deployed (\${now:-placeholder}); nginx reloaded"
    else
      echo "mxctl: nginx -t failed after a certificate change; nginx keeps serving the previous one" >&2
    fi
  done
) &
`;
}
