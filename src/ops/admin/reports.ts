// Event reports (what users flagged with /report): list, show, resolve (Synapse deletes them).
import { MxError } from '../../core/errors.ts';
import { parseRoomId, parseUserId } from '../../core/admin/ids.ts';
import type { EventReport } from '../../adapters/synapse-admin.ts';
import type { Deps } from '../deps.ts';

export type ReportsDeps = Pick<Deps, 'admin' | 'approve' | 'progress'>;

function reportId(text: string): string {
  if (!/^\d+$/.test(text))
    throw new MxError('E_INVALID_INPUT', `"${text}" is not a report id (a number).`, {
      hint: '`mxctl reports list` shows the ids.',
    });
  return text;
}

export interface ReportList {
  reports: EventReport[];
  total: number;
  stopped?: string;
}

export async function listReports(
  o: { room?: string; user?: string; limit?: number },
  d: ReportsDeps,
): Promise<ReportList> {
  const filter = {
    ...(o.room === undefined ? {} : { roomId: parseRoomId(o.room) }),
    ...(o.user === undefined ? {} : { userId: parseUserId(o.user) }),
  };
  const r = await d.admin.reads.eventReports(filter, { limit: o.limit, progress: d.progress.step });
  return { reports: r.items, total: r.total, ...(r.stopped === undefined ? {} : { stopped: r.stopped }) };
}

export async function showReport(o: { id: string }, d: ReportsDeps): Promise<EventReport> {
  return d.admin.reads.eventReport(reportId(o.id));
}

export async function resolveReport(
  o: { id: string },
  d: ReportsDeps,
): Promise<{ id: string; resolved: boolean; dryRun: boolean }> {
  const { id } = o;
  const report = await d.admin.reads.eventReport(reportId(id));
  await d.approve(`Resolve (delete) report ${id} by ${report.user_id} about ${report.event_id}?`);
  await d.admin.writes.deleteReport(id);
  return { id, resolved: !d.admin.dryRun, dryRun: d.admin.dryRun };
}
