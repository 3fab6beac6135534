// doctor's view of the upgrade journal (state/upgrades.json): an upgrade that did not finish, or
// whose rollback failed, leaves the server between two versions; one rolled back by its health
// gate means the server runs the old version still and the admin should know why. Pure.
import type { Journal } from '../upgrade/journal.ts';
import { fail, ok, warn } from './finding.ts';
import type { Finding } from './finding.ts';

/** How long a gate's rollback stays worth a warning (after that it is history). */
const RECENT_MS = 7 * 86_400_000;

export function judgeUpgradeJournal(j: Journal, now: Date): Finding {
  const last = j.entries.at(-1);
  if (last === undefined) return ok('upgrade.journal', 'no upgrade recorded by mxctl');
  const at = last.steps.at(-1)?.at ?? '';
  const what = `${last.service} ${last.from} → ${last.to} (${last.id})`;
  const evidence = [`phase ${last.phase} at ${at}`, ...(last.error === undefined ? [] : [`why: ${last.error}`])];
  if (last.phase === 'rollback-failed')
    return fail(
      'upgrade.journal',
      `the rollback of the upgrade ${what} failed: the server may run neither version`,
      `Read \`mxctl upgrade history\` and \`mxctl logs ${last.service}\`; \`mxctl rollback\` tries again${last.backupId === undefined ? '' : `, \`mxctl restore ${last.backupId}\` restores the pre-upgrade backup`}.`,
      evidence,
    );
  if (last.phase !== 'healthy' && last.phase !== 'rolled-back' && last.phase !== 'abandoned')
    return fail(
      'upgrade.journal',
      `the upgrade ${what} stopped at "${last.phase}" and was not finished`,
      'Run `mxctl upgrade` (or `mxctl rollback`): it finishes the stopped run from the journal before anything else.',
      evidence,
    );
  if (last.phase === 'rolled-back' && now.getTime() - Date.parse(at) < RECENT_MS)
    return warn(
      'upgrade.journal',
      `the upgrade ${what} was rolled back: ${last.service} runs ${last.from}`,
      'Read why in `mxctl upgrade history` (and the release notes) before trying it again.',
      evidence,
    );
  return ok('upgrade.journal', `the last upgrade, ${what}, ended ${last.phase}`, evidence);
}
