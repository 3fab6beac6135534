// The reports runs: flags → options, the op, the report.
import * as reports from '../../ops/admin/reports.ts';
import type { EventReport } from '../../adapters/synapse-admin.ts';
import { formatTimestamp } from '../../core/admin/duration.ts';
import { printJson, printTable, say } from '../output.ts';
import { adminDeps, showChange, warnStopped } from '../admin-run.ts';
import type { AdminFlags } from '../admin-run.ts';
import type { ExitStatus } from '../command.ts';

export async function runReportsList(
  f: { room?: string; user?: string; limit?: number; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const o = {
    ...(f.room === undefined ? {} : { room: f.room }),
    ...(f.user === undefined ? {} : { user: f.user }),
    ...(f.limit === undefined ? {} : { limit: f.limit }),
  };
  const r = await reports.listReports(o, await adminDeps(dir, f));
  if (f.json === true) return printJson(r);
  printTable(
    ['ID', 'RECEIVED', 'ROOM', 'REPORTER', 'SENDER', 'REASON'],
    r.reports.map((x) => [
      String(x.id),
      formatTimestamp(x.received_ts),
      x.name ?? x.room_id,
      x.user_id,
      x.sender,
      x.reason ?? '',
    ]),
  );
  process.stderr.write(`${r.reports.length} of ${r.total} report(s)\n`);
  warnStopped(r);
}

export async function runReportsShow(id: string, f: { json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const r = await reports.showReport({ id }, await adminDeps(dir, f));
  if (f.json === true) return printJson(r);
  renderReport(r);
}

function renderReport(r: EventReport): void {
  printTable(
    ['FIELD', 'VALUE'],
    [
      ['id', String(r.id)],
      ['received', formatTimestamp(r.received_ts)],
      ['room', `${r.room_id}${r.name === null ? '' : ` (${r.name})`}`],
      ['event', r.event_id],
      ['reporter', r.user_id],
      ['sender', r.sender],
      ['reason', r.reason ?? ''],
      ['content', JSON.stringify((r.event_json as { content?: unknown } | undefined)?.content ?? null).slice(0, 200)],
    ],
  );
}

export async function runReportsResolve(id: string, f: AdminFlags, dir: string | undefined): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  showChange(d, f, await reports.resolveReport({ id }, d), (r) => say(`Resolved report ${r.id}.`));
}
