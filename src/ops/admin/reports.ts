// Event reports (what users flagged with /report): list, show, resolve (Synapse deletes them).
import { MxError } from '../../core/errors.ts';
import { parseRoomId, parseUserId } from '../../core/admin/ids.ts';
import type { EventReport } from '../../adapters/synapse-admin.ts';
import { approve } from './session.ts';
import type { AdminSession } from './session.ts';

function reportId(text: string): string {
  if (!/^\d+$/.test(text)) throw new MxError('E_INVALID_INPUT', `"${text}" is not a report id (a number).`, { hint: '`mxctl reports list` shows the ids.' });
  return text;
}

export async function listReports(s: AdminSession, o: { room?: string; user?: string; limit?: number } = {}): Promise<{ reports: EventReport[]; total: number }> {
  const filter = { ...(o.room === undefined ? {} : { roomId: parseRoomId(o.room) }), ...(o.user === undefined ? {} : { userId: parseUserId(o.user) }) };
  const reports: EventReport[] = [];
  let from: string | undefined;
  let total: number;
  for (;;) {
    const page = await s.reads.eventReports({ limit: o.limit === undefined ? 500 : Math.min(500, o.limit - reports.length), ...(from === undefined ? {} : { from }), ...filter });
    reports.push(...page.event_reports);
    total = page.total;
    from = page.next_token;
    if (from === undefined || page.event_reports.length === 0 || (o.limit !== undefined && reports.length >= o.limit)) break;
  }
  return { reports, total };
}

export async function showReport(s: AdminSession, id: string): Promise<EventReport> {
  return s.reads.eventReport(reportId(id));
}

export async function resolveReport(s: AdminSession, id: string): Promise<{ id: string; resolved: boolean; dryRun: boolean }> {
  const report = await s.reads.eventReport(reportId(id));
  await approve(s, `Resolve (delete) report ${id} by ${report.user_id} about ${report.event_id}?`);
  await s.writes.deleteReport(id);
  return { id, resolved: !s.dryRun, dryRun: s.dryRun };
}
