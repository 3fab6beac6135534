// Synapse's database background updates (after an upgrade, until they finish): running or idle.
import type { AdminReads } from '../../adapters/synapse-admin.ts';
import type { Deps } from '../deps.ts';

export type BackgroundUpdates = Awaited<ReturnType<AdminReads['backgroundUpdates']>>;

export async function backgroundUpdates(_o: Record<string, never>, d: Pick<Deps, 'admin'>): Promise<BackgroundUpdates> {
  return d.admin.reads.backgroundUpdates();
}
