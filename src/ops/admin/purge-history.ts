// Purging a room's old history: resolve the cut-off (never in the future), start the purge, poll
// its status to the end. The same function serves a later retention scheduler.
import { MxError } from '../../core/errors.ts';
import { formatTimestamp, resolveCutoff } from '../../core/admin/duration.ts';
import { apiRefusal } from '../../adapters/synapse-admin.ts';
import type { TaskStatus } from '../../adapters/synapse-admin.ts';
import { resolveRoom } from './rooms.ts';
import { approve } from './session.ts';
import type { AdminSession } from './session.ts';

export interface PurgeHistoryOptions {
  olderThan?: string | undefined;
  before?: string | undefined;
  /**
   * Keep events sent by this server's users (Synapse's delete_local_events: false). NOTE: Synapse
   * keeps them in the database but marks them outliers, so clients no longer see them in the room.
   */
  keepLocal: boolean;
  timeoutMs?: number;
}

export interface PurgeHistoryReport {
  roomId: string;
  before: string;
  beforeTs: number;
  deleteLocalEvents: boolean;
  status: TaskStatus['status'] | 'nothing-to-purge';
  dryRun: boolean;
}

export async function purgeHistory(s: AdminSession, room: string, o: PurgeHistoryOptions): Promise<PurgeHistoryReport> {
  const beforeTs = resolveCutoff({ olderThan: o.olderThan, before: o.before }, s.now());
  const roomId = await resolveRoom(s, room);
  const report: PurgeHistoryReport = { roomId, before: formatTimestamp(beforeTs), beforeTs, deleteLocalEvents: !o.keepLocal, status: 'simulated', dryRun: s.dryRun };
  await approve(s, `Purge the history of ${roomId} before ${report.before}${o.keepLocal ? ' (keeping local users\' events)' : ', local users\' events included'}? The state and the latest event are kept`);
  let r: TaskStatus;
  try {
    r = await s.writes.purgeHistory(roomId, { beforeTs, deleteLocalEvents: !o.keepLocal }, {
      onStatus: (st) => s.progress(`purge ${roomId}: ${st}`),
      ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
    });
  } catch (error) {
    // NOTE: Synapse answers 404 when no event precedes the cut-off: nothing to do, not a failure.
    const refusal = apiRefusal(error);
    if (refusal?.status === 404) return { ...report, status: 'nothing-to-purge' };
    throw error;
  }
  if (r.status === 'failed') throw new MxError('E_SYNAPSE_API', `Synapse's purge of ${roomId} failed: ${r.error ?? 'no reason given'}.`);
  return { ...report, status: r.status };
}
