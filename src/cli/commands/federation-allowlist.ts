import { changeAllowlist, diskWrites, RecordedWrites, showAllowlist } from '../../ops/admin/federation-allowlist.ts';
import type { AllowlistAction } from '../../ops/admin/federation-allowlist.ts';
import { openStack } from '../../ops/context.ts';
import { restart } from '../../ops/stack.ts';
import { printJson, say } from '../output.ts';
import { terminalConfirm } from '../prompt.ts';

export async function runAllowlistShow(f: { json?: true }, dir: string | undefined): Promise<void> {
  const v = await showAllowlist({ dir });
  if (f.json === true) return printJson(v);
  if (v.federation === 'open') say(`${v.serverName} federates with every server (no allowlist).`);
  else say(`${v.serverName} federates only with: ${v.allowlist.join(', ')} (and itself).`);
  if (!v.inSync) {
    say(`homeserver.yaml disagrees: its federation_domain_whitelist is ${v.homeserver === null ? 'absent' : v.homeserver.join(', ')}.`);
    say('Re-run an allowlist command, or `mxctl init --yes`, to write the list from .env again.');
    process.exitCode = 1;
  }
}

export async function runAllowlistChange(
  action: AllowlistAction,
  f: { yes?: true; dryRun?: true; restart?: boolean; json?: true },
  dir: string | undefined,
): Promise<void> {
  const dryRun = f.dryRun === true;
  const r = await changeAllowlist(
    { dir },
    action,
    { yes: f.yes === true, dryRun, restart: f.restart },
    {
      writes: dryRun ? new RecordedWrites() : diskWrites,
      confirm: f.json === true ? undefined : terminalConfirm(),
      // NOTE: the diff goes to stderr, so stdout stays the report (a table or --json).
      show: (text) => (f.json === true ? undefined : process.stderr.write(text)),
      restartSynapse: async (d) => restart({ service: 'synapse' }, await openStack({ dir: d.root })),
    },
  );
  if (f.json === true) return printJson(r);
  if (r.unchanged.length > 0) say(`Already on the allowlist: ${r.unchanged.join(', ')}.`);
  if (r.files.length === 0) return say('Nothing to change.');
  if (r.dryRun) return say(`Dry run: nothing was changed; ${r.files.join(' and ')} would change as shown above.`);
  say(r.allowlist.length === 0 ? `${r.serverName} now federates with every server.` : `${r.serverName} now federates only with: ${r.allowlist.join(', ')} (and itself).`);
  if (r.restarted) say('Restarted Synapse; healthy. The change is in effect.');
  else say('Synapse still runs with the old list: restart it for the change to take effect (`mxctl restart synapse`).');
}
