// scripts/backup.sh and scripts/restore.sh: one-line shims so the seed runbook's cron line
// (`0 3 * * * .../scripts/backup.sh >> /var/log/matrix-backup.log 2>&1`) keeps working.

function shim(command: string): string {
  return `#!/bin/sh
# Written by \`mxctl init\`: runs \`mxctl ${command}\` on this deployment.
# Set MXCTL to the mxctl executable if it is not on PATH (cron has a short PATH).
set -eu
dir=$(cd "$(dirname "$0")/.." && pwd)
mxctl=\${MXCTL:-$(command -v mxctl || true)}
if [ -z "$mxctl" ]; then
  echo "$(basename "$0"): mxctl is not on PATH; install it or set MXCTL=/path/to/mxctl" >&2
  exit 127
fi
exec "$mxctl" ${command} --dir "$dir" "$@"
`;
}

export function renderScripts(): Record<string, string> {
  return { 'backup.sh': shim('backup'), 'restore.sh': shim('restore') };
}
