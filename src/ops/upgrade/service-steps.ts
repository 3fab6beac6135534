// The first steps of every service's upgrade, whichever path follows (apply.ts for an image
// swap, postgres-major.ts for a new PostgreSQL major): the journal entry, then the target pulled
// and the running image kept under its rollback tag. Both leave the deployment unchanged.
import type { phaseTimer } from '../../core/clock.ts';
import { journalId } from '../../core/upgrade/journal.ts';
import type { PostgresMove } from '../../core/upgrade/journal.ts';
import { JournalRecorder } from './journal-file.ts';
import type { ServicePlan } from './plan.ts';
import type { UpgradeDeps } from './upgrade-run.ts';

export type Phases = ReturnType<typeof phaseTimer>;

/** The journal entry of one service's upgrade, up to `backed-up` (the run's backup is made). */
export async function openEntry(
  sp: ServicePlan,
  backupId: string,
  d: UpgradeDeps,
  o: { id?: string; postgres?: PostgresMove } = {},
): Promise<JournalRecorder> {
  const at = d.clock.now();
  const rec = await JournalRecorder.open(d, {
    id: o.id ?? journalId(at, sp.service),
    service: sp.service,
    from: sp.from,
    to: sp.to,
    rollbackImage: undefined,
    backupId,
    rollbackNeedsRestore: sp.schema?.window?.ok === true && sp.schema.window.rollbackNeedsRestore,
    phase: 'started',
    steps: [{ phase: 'started', at: at.toISOString() }],
    error: undefined,
    ...(o.postgres === undefined ? {} : { postgres: o.postgres }),
  });
  await rec.move('backed-up');
  return rec;
}

/** The target pulled by digest, the running image kept under its rollback tag. */
export async function pullAndKeep(sp: ServicePlan, rec: JournalRecorder, phase: Phases, d: UpgradeDeps): Promise<void> {
  try {
    phase.next(`${sp.service}: pulling ${sp.to}`);
    await d.imageTools.pull(sp.to);
    const rollbackImage = `mxctl-rollback/${sp.service}:${rec.entry.id}`;
    await d.imageTools.tag(sp.from, rollbackImage);
    await rec.set({ rollbackImage });
    await rec.move('pulled');
  } catch (error) {
    // NOTE: nothing in the deployment changed yet: the entry is closed as abandoned.
    await rec.move('abandoned', (error as Error).message);
    throw error;
  }
}
