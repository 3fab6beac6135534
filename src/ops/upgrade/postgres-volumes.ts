// `mxctl upgrade volumes` and `mxctl upgrade remove-old-volume NAME`: the database volumes a
// PostgreSQL major upgrade left behind. The old cluster's volume is kept after an upgrade (the
// way back, by hand, if the new major misbehaves later); a new volume that served before its
// upgrade was rolled back is kept too (Synapse may have written to it). Only a volume listed
// here, not in use, no container mounting it, is removed — and only when asked by name.
import { MxError } from '../../core/errors.ts';
import { postgresVolume } from '../../core/upgrade/postgres-major.ts';
import type { JournalEntry } from '../../core/upgrade/journal.ts';
import { withLock } from '../../adapters/lock.ts';
import type { Deps } from '../deps.ts';
import { upgradeLockPath } from './apply.ts';
import { JournalRecorder, readJournal } from './journal-file.ts';

export type VolumeRole = 'in use' | 'old cluster (kept)' | 'new cluster of a rolled-back upgrade';

export interface PostgresVolume {
  name: string;
  role: VolumeRole;
  /** The upgrade that left it, and the major the cluster in it runs. */
  journalId: string | undefined;
  major: number | undefined;
  exists: boolean;
  createdAt: string | undefined;
}

export async function listPostgresVolumes(d: Pick<Deps, 'deployment' | 'pgUpgradeTools'>): Promise<PostgresVolume[]> {
  const current = postgresVolume(d.deployment.settings);
  const rows: Omit<PostgresVolume, 'exists' | 'createdAt'>[] = [];
  const entries = (await readJournal(d)).entries.filter((e) => e.postgres !== undefined);
  const currentEntry = entries.findLast((e) => e.postgres?.toVolume === current && e.phase === 'healthy');
  rows.push({ name: current, role: 'in use', journalId: currentEntry?.id, major: currentEntry?.postgres?.toMajor });
  for (const e of entries) {
    const kept = keptVolume(e);
    if (kept === undefined || kept.name === current || rows.some((r) => r.name === kept.name)) continue;
    if (e.postgres?.removedVolumes?.includes(kept.name) === true) continue;
    rows.push({ ...kept, journalId: e.id });
  }
  const out: PostgresVolume[] = [];
  for (const r of rows) {
    const info = await d.pgUpgradeTools.volumeInfo(r.name);
    out.push({ ...r, exists: info !== undefined, createdAt: info?.createdAt });
  }
  return out;
}

function keptVolume(e: JournalEntry): { name: string; role: VolumeRole; major: number } | undefined {
  const m = e.postgres;
  if (m === undefined) return undefined;
  if (e.phase === 'healthy') return { name: m.fromVolume, role: 'old cluster (kept)', major: m.fromMajor };
  if (e.phase === 'rolled-back' && e.steps.some((x) => x.phase === 'pinned'))
    return { name: m.toVolume, role: 'new cluster of a rolled-back upgrade', major: m.toMajor };
  return undefined;
}

export interface RemoveVolumeReport {
  removed: string;
  journalId: string | undefined;
}

export async function removeOldVolume(
  o: { name: string },
  d: Pick<Deps, 'deployment' | 'pgUpgradeTools' | 'lock' | 'clock' | 'approve'>,
): Promise<RemoveVolumeReport> {
  return withLock(d.lock, upgradeLockPath(d), 'remove-old-volume', async () => {
    const listed = await listPostgresVolumes(d);
    const v = listed.find((x) => x.name === o.name);
    const refuse = (why: string): never => {
      throw new MxError('E_UPGRADE_REFUSED', `The volume ${o.name} is not removed: ${why}.`, {
        hint: '`mxctl upgrade volumes` lists the volumes an upgrade kept. Nothing was changed.',
      });
    };
    if (v === undefined) return refuse('no PostgreSQL upgrade of this deployment kept it');
    if (v.role === 'in use') return refuse('it holds the database the deployment runs on');
    if (!v.exists) return refuse('Docker has no such volume (removed already?)');
    const users = await d.pgUpgradeTools.containersUsing(o.name);
    if (users.length > 0) return refuse(`a container still mounts it (${users.join(', ')})`);
    await d.approve(
      `Remove the volume ${o.name} (${v.role}, PostgreSQL ${v.major ?? '?'}) for good? Its data cannot be brought back.`,
    );
    await d.pgUpgradeTools.removeVolume(o.name);
    const e = (await readJournal(d)).entries.find((x) => x.id === v.journalId);
    if (e?.postgres !== undefined) {
      const rec = await JournalRecorder.open(d, e);
      await rec.set({
        postgres: { ...e.postgres, removedVolumes: [...(e.postgres.removedVolumes ?? []), o.name] },
      });
    }
    return { removed: o.name, journalId: v.journalId };
  });
}
