// The allowlist runs: show it (exit 1 when homeserver.yaml disagrees with .env), change it (diff,
// consent, both files, then maybe restart Synapse).
import { changeAllowlist, diskWrites, RecordedWrites, showAllowlist } from '../../ops/admin/federation-allowlist.ts';
import type { AllowlistAction, AllowlistChangeReport } from '../../ops/admin/federation-allowlist.ts';
import { printJson, say } from '../output.ts';
import { buildDeps } from '../deps.ts';
import { terminalConfirm } from '../prompt.ts';
import type { ExitStatus } from '../command.ts';

export async function runAllowlistShow(f: { json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const v = await showAllowlist({}, await buildDeps(['deployment'], { dir, json: f.json }));
  if (f.json === true) return printJson(v);
  if (v.federation === 'open') say(`${v.serverName} federates with every server (no allowlist).`);
  else say(`${v.serverName} federates only with: ${v.allowlist.join(', ')} (and itself).`);
  if (v.inSync) return 0;
  say(
    `homeserver.yaml disagrees: its federation_domain_whitelist is ${v.homeserver === null ? 'absent' : v.homeserver.join(', ')}.`,
  );
  say('Re-run an allowlist command, or `mxctl init --yes`, to write the list from .env again.');
  return 1;
}

/** Restarts Synapse and waits until it is healthy again, as `mxctl restart synapse` does. */
async function restartSynapse(root: string): Promise<void> {
  const [{ restart }, d] = await Promise.all([import('../../ops/stack.ts'), buildDeps(['compose'], { dir: root })]);
  await restart({ service: 'synapse' }, d);
}

export async function runAllowlistChange(
  action: AllowlistAction,
  f: { yes?: true; dryRun?: true; restart?: boolean; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const dryRun = f.dryRun === true;
  const d = await buildDeps(['deployment', 'approve'], { dir, json: f.json, yes: f.yes, dryRun });
  const r = await changeAllowlist(
    { action, dryRun, restart: f.restart },
    {
      ...d,
      files: dryRun ? new RecordedWrites() : diskWrites,
      ask: f.json === true ? undefined : terminalConfirm(),
      // NOTE: the diff goes to stderr, so stdout stays the report (a table or --json).
      show: (text) => (f.json === true ? undefined : process.stderr.write(text)),
      restartSynapse: () => restartSynapse(d.deployment.root),
    },
  );
  if (f.json === true) return printJson(r);
  sayChange(r);
}

function sayChange(r: AllowlistChangeReport): void {
  if (r.unchanged.length > 0) say(`Already on the allowlist: ${r.unchanged.join(', ')}.`);
  if (r.files.length === 0) return say('Nothing to change.');
  if (r.dryRun) return say(`Dry run: nothing was changed; ${r.files.join(' and ')} would change as shown above.`);
  say(
    r.allowlist.length === 0
      ? `${r.serverName} now federates with every server.`
      : `${r.serverName} now federates only with: ${r.allowlist.join(', ')} (and itself).`,
  );
  if (r.restarted) say('Restarted Synapse; healthy. The change is in effect.');
  else say('Synapse still runs with the old list: restart it for the change to take effect (`mxctl restart synapse`).');
}
