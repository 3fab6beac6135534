// `mxctl rollback [--to ID]`: an admin takes back an upgrade that passed its gate (a problem the
// gate could not see). Finishes a killed run first; then the newest healthy upgrade, or the one
// named, goes back to its previous pin — only if that service still runs what the upgrade
// installed (a later upgrade is rolled back first). The database is restored from the
// pre-upgrade backup only when the old image cannot run it as it is now (rollback.ts).
import { MxError } from '../../core/errors.ts';
import { rollbackCandidate } from '../../core/upgrade/journal.ts';
import { withLock } from '../../adapters/lock.ts';
import { resumeUnfinished, upgradeLockPath } from './apply.ts';
import type { ResumedOutcome } from './apply.ts';
import type { Deps } from '../deps.ts';
import { JournalRecorder, readJournal } from './journal-file.ts';
import { currentPin } from './pins.ts';
import { rollBack, serviceOf } from './rollback.ts';
import type { RollbackDeps, RollbackOutcome } from './rollback.ts';

export type RollbackCommandDeps = RollbackDeps & Pick<Deps, 'approve'>;

export interface RollbackOptions {
  /** A journal id (`mxctl upgrade history`); default: the newest healthy upgrade. */
  to?: string;
}

export interface RollbackReport {
  resumed: ResumedOutcome | undefined;
  /** Undefined when the only thing to do was finishing a killed run. */
  rollback: RollbackOutcome | undefined;
  ok: boolean;
}

export async function rollbackUpgrade(o: RollbackOptions, d: RollbackCommandDeps): Promise<RollbackReport> {
  return withLock(d.lock, upgradeLockPath(d), 'rollback', async () => {
    const resumed = await resumeUnfinished(d, 'rollback');
    if (resumed !== undefined && o.to === undefined)
      return { resumed, rollback: undefined, ok: resumed.phase === 'rolled-back' || resumed.phase === 'healthy' };
    const journal = await readJournal(d);
    const e = rollbackCandidate(journal, o.to);
    if (e === undefined)
      throw new MxError(
        'E_NOT_FOUND',
        o.to === undefined
          ? 'No upgrade to roll back: the journal has no healthy upgrade.'
          : `No upgrade "${o.to}" in the journal.`,
        { hint: '`mxctl upgrade history` lists the upgrades. Nothing was changed.' },
      );
    const service = serviceOf(e);
    if (e.postgres !== undefined && e.phase === 'healthy')
      throw new MxError(
        'E_UPGRADE_REFUSED',
        `${e.id} moved PostgreSQL ${e.postgres.fromMajor} → ${e.postgres.toMajor} to a new volume: \`mxctl rollback\` does not take that back, since everything written since lives only in the new cluster.`,
        {
          hint: `The old cluster is kept in the volume ${e.postgres.fromVolume} (\`mxctl upgrade volumes\`); docs/RUNBOOK.md (Upgrades) says how to go back to it by hand. Nothing was changed.`,
        },
      );
    if (e.phase !== 'healthy')
      throw new MxError(
        'E_UPGRADE_REFUSED',
        `The upgrade ${e.id} is ${e.phase}: there is nothing of it to roll back.`,
        {
          hint: '`mxctl upgrade history` lists the upgrades. Nothing was changed.',
        },
      );
    const now = await currentPin(service, d);
    if (now !== e.to)
      throw new MxError(
        'E_UPGRADE_REFUSED',
        `${service} now runs ${now ?? 'no pin'}, not ${e.to} that ${e.id} installed: roll the later upgrade back first.`,
        { hint: '`mxctl upgrade history` lists the upgrades, newest last. Nothing was changed.' },
      );
    await d.approve(
      `Roll ${service} back from ${e.to} to ${e.from}? If the database was migrated past what ${e.from} runs, ` +
        `the pre-upgrade backup ${e.backupId ?? '(none recorded)'} is restored and what was written since is lost.`,
    );
    const rec = await JournalRecorder.open(d, e);
    await rec.move('rolling-back', 'rolled back by the admin');
    const rollback = await rollBack(rec, d);
    return { resumed, rollback, ok: rollback.ok };
  });
}
