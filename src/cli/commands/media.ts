import * as media from '../../ops/admin/media.ts';
import * as reports from '../../ops/admin/reports.ts';
import { formatTimestamp } from '../../core/admin/duration.ts';
import { printJson, printTable, say } from '../output.ts';
import { session, sayPlanned, withPlan } from './admin-session.ts';
import type { CommonFlags } from './admin-session.ts';

export async function runMediaList(user: string, f: { limit?: number; json?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await media.listUserMedia(s, user, f.limit === undefined ? {} : { limit: f.limit });
  if (f.json === true) return printJson(r);
  printTable(['MEDIA', 'TYPE', 'BYTES', 'UPLOADED', 'QUARANTINED'], r.media.map((m) => [m.mxc, m.media_type, String(m.media_length), formatTimestamp(m.created_ts), m.quarantined_by === null ? 'no' : `by ${m.quarantined_by}`]));
  process.stderr.write(`${r.media.length} of ${r.total} item(s)\n`);
}

export async function runMediaQuarantine(target: string, f: CommonFlags, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await media.quarantineMedia(s, target);
  if (f.json === true) return printJson(withPlan(s, r));
  if (s.dryRun) return sayPlanned(s);
  say(`Quarantined ${r.quarantined} item(s) (${r.target}).`);
}

export async function runMediaDelete(mxc: string, f: CommonFlags, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await media.deleteMedia(s, mxc);
  if (f.json === true) return printJson(withPlan(s, r));
  if (s.dryRun) return sayPlanned(s);
  say(`Deleted ${r.target}.`);
}

export async function runMediaPurgeRemote(f: CommonFlags & { olderThan: string }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await media.purgeRemoteMedia(s, f.olderThan);
  if (f.json === true) return printJson(withPlan(s, r));
  if (s.dryRun) return sayPlanned(s);
  say(`Deleted ${r.deleted} cached remote media item(s) not accessed since ${r.before}.`);
}

export async function runReportsList(f: { room?: string; user?: string; limit?: number; json?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await reports.listReports(s, { ...(f.room === undefined ? {} : { room: f.room }), ...(f.user === undefined ? {} : { user: f.user }), ...(f.limit === undefined ? {} : { limit: f.limit }) });
  if (f.json === true) return printJson(r);
  printTable(['ID', 'RECEIVED', 'ROOM', 'REPORTER', 'SENDER', 'REASON'], r.reports.map((x) => [String(x.id), formatTimestamp(x.received_ts), x.name ?? x.room_id, x.user_id, x.sender, x.reason ?? '']));
  process.stderr.write(`${r.reports.length} of ${r.total} report(s)\n`);
}

export async function runReportsShow(id: string, f: { json?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await reports.showReport(s, id);
  if (f.json === true) return printJson(r);
  printTable(['FIELD', 'VALUE'], [
    ['id', String(r.id)],
    ['received', formatTimestamp(r.received_ts)],
    ['room', `${r.room_id}${r.name === null ? '' : ` (${r.name})`}`],
    ['event', r.event_id],
    ['reporter', r.user_id],
    ['sender', r.sender],
    ['reason', r.reason ?? ''],
    ['content', JSON.stringify((r.event_json as { content?: unknown } | undefined)?.content ?? null).slice(0, 200)],
  ]);
}

export async function runReportsResolve(id: string, f: CommonFlags, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await reports.resolveReport(s, id);
  if (f.json === true) return printJson(withPlan(s, r));
  if (s.dryRun) return sayPlanned(s);
  say(`Resolved report ${r.id}.`);
}
