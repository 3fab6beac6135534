// Purging a room's old history: resolve the cut-off (never in the future), start the purge, poll
// its status to the end. The same function serves a later retention scheduler.
import { MxError, isMxError, isSynapseApiError } from '../../core/errors.ts';
import { formatTimestamp, resolveCutoff } from '../../core/admin/duration.ts';
import type { TaskStatus } from '../../adapters/synapse-admin.ts';
import { listRooms, resolveRoom } from './rooms.ts';
import type { Deps } from '../deps.ts';

export type PurgeHistoryDeps = Pick<Deps, 'admin' | 'approve' | 'progress' | 'clock'>;

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

export async function purgeHistory(
  o: PurgeHistoryOptions & { room: string },
  d: PurgeHistoryDeps,
): Promise<PurgeHistoryReport> {
  const beforeTs = resolveCutoff({ olderThan: o.olderThan, before: o.before }, d.clock.now().getTime());
  const roomId = await resolveRoom(d, o.room);
  const report: PurgeHistoryReport = {
    roomId,
    before: formatTimestamp(beforeTs),
    beforeTs,
    deleteLocalEvents: !o.keepLocal,
    status: 'simulated',
    dryRun: d.admin.dryRun,
  };
  await d.approve(
    `Purge the history of ${roomId} before ${report.before}${o.keepLocal ? " (keeping local users' events)" : ", local users' events included"}? The state and the latest event are kept`,
  );
  let r: TaskStatus;
  try {
    r = await d.admin.writes.purgeHistory(
      roomId,
      { beforeTs, deleteLocalEvents: !o.keepLocal },
      {
        onStatus: (st) => d.progress.step(`purge ${roomId}: ${st}`),
        ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
      },
    );
  } catch (error) {
    // NOTE: Synapse answers 404 when no event precedes the cut-off: nothing to do, not a failure.
    if (isSynapseApiError(error, 404)) return { ...report, status: 'nothing-to-purge' };
    throw error;
  }
  if (r.status === 'failed')
    throw new MxError('E_SYNAPSE_API', `Synapse's purge of ${roomId} failed: ${r.error ?? 'no reason given'}.`);
  return { ...report, status: r.status };
}

export interface RetentionReport {
  before: string;
  rooms: PurgeHistoryReport[];
  failed: { roomId: string; error: string }[];
  dryRun: boolean;
}

/**
 * A retention sweep: the same purge in every room, one after another (Synapse runs purges as
 * background tasks; one at a time keeps the database load flat). What a scheduler runs nightly.
 */
export async function purgeAllRooms(o: PurgeHistoryOptions, d: PurgeHistoryDeps): Promise<RetentionReport> {
  const beforeTs = resolveCutoff({ olderThan: o.olderThan, before: o.before }, d.clock.now().getTime());
  const { rooms } = await listRooms({}, d);
  await d.approve(
    `Purge the history of all ${rooms.length} room(s) before ${formatTimestamp(beforeTs)}${o.keepLocal ? " (keeping local users' events)" : ''}?`,
  );
  // NOTE: the cut-off is fixed once, so a long sweep purges every room up to the same instant.
  const fixed = { ...o, olderThan: undefined, before: String(beforeTs) };
  const report: RetentionReport = { before: formatTimestamp(beforeTs), rooms: [], failed: [], dryRun: d.admin.dryRun };
  // NOTE: asked once for the sweep, not per room.
  const sweep: PurgeHistoryDeps = { ...d, approve: () => Promise.resolve() };
  for (const [i, room] of rooms.entries()) {
    d.progress.step(`purge ${i + 1}/${rooms.length} ${room.room_id}`);
    try {
      report.rooms.push(await purgeHistory({ ...fixed, room: room.room_id }, sweep));
    } catch (error) {
      if (!isMxError(error) || error.code === 'E_UNAUTHORIZED' || error.code === 'E_SYNAPSE_UNREACHABLE') throw error;
      report.failed.push({ roomId: room.room_id, error: error.message });
    }
  }
  return report;
}
