// The purge-history run: one room, or every room (--all, a retention sweep: exit 1 when a room failed).
import { purgeAllRooms, purgeHistory } from '../../ops/admin/purge-history.ts';
import type { PurgeHistoryReport, RetentionReport } from '../../ops/admin/purge-history.ts';
import { MxError } from '../../core/errors.ts';
import { say } from '../output.ts';
import { adminDeps, showChange } from '../admin-run.ts';
import type { AdminFlags } from '../admin-run.ts';
import type { ExitStatus } from '../command.ts';

type PurgeFlags = AdminFlags & { all?: true; olderThan?: string; before?: string; keepLocal?: true; timeout: number };

export async function runPurgeHistory(
  room: string | undefined,
  f: PurgeFlags,
  dir: string | undefined,
): Promise<ExitStatus> {
  if ((room === undefined) === (f.all !== true))
    throw new MxError('E_USAGE', 'Name one ROOM, or give --all for every room.');
  const d = await adminDeps(dir, f);
  const o = { olderThan: f.olderThan, before: f.before, keepLocal: f.keepLocal === true, timeoutMs: f.timeout * 1000 };
  if (room === undefined) {
    const r = await purgeAllRooms(o, d);
    showChange(d, f, r, sayRetention);
    return r.failed.length > 0 ? 1 : 0;
  }
  showChange(d, f, await purgeHistory({ ...o, room }, d), sayPurged);
}

function sayRetention(r: RetentionReport): void {
  say(
    `Purged the history before ${r.before} in ${r.rooms.filter((x) => x.status === 'complete').length} room(s); nothing to purge in ${r.rooms.filter((x) => x.status === 'nothing-to-purge').length}.`,
  );
  for (const x of r.failed) say(`  FAILED ${x.roomId}: ${x.error}`);
}

function sayPurged(r: PurgeHistoryReport): void {
  say(
    r.status === 'nothing-to-purge'
      ? `${r.roomId}: no events before ${r.before}; nothing to purge.`
      : `Purged the history of ${r.roomId} before ${r.before} (${r.deleteLocalEvents ? 'local events included' : 'local events kept'}): ${r.status}.`,
  );
}
