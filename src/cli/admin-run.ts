// What every administration run shares: the deps it builds (the admin API, real or simulated for
// --dry-run), and how a change is shown — as JSON (with a dry run's plan), as the plan, or done.
import { printJson, printTable, say } from './output.ts';
import { buildDeps } from './deps.ts';
import type { BuiltDeps } from './deps.ts';
import type { AdminAccess } from '../ops/deps.ts';
import type { RoomOutcome } from '../ops/admin/room-power.ts';

export interface AdminFlags {
  json?: true;
  yes?: true;
  dryRun?: true;
}

const ADMIN = ['deployment', 'admin', 'approve', 'progress', 'clock'] as const;
export type AdminDeps = BuiltDeps<(typeof ADMIN)[number]>;

export function adminDeps(dir: string | undefined, f: AdminFlags): Promise<AdminDeps> {
  return buildDeps(ADMIN, { dir, json: f.json === true, yes: f.yes === true, dryRun: f.dryRun === true });
}

/** A dry run's recorded plan, for people. */
export function sayPlanned(admin: AdminAccess): void {
  say(`Dry run: nothing was changed. mxctl would:`);
  for (const p of admin.planned ?? [])
    say(`  - ${p.action}: ${p.target}${p.detail === undefined ? '' : ` ${JSON.stringify(p.detail)}`}`);
  if ((admin.planned ?? []).length === 0) say('  (nothing)');
}

/** The JSON form adds the plan to a dry run's report. */
export function withPlan<T extends object>(admin: AdminAccess, report: T): T | (T & { planned: unknown }) {
  return admin.dryRun ? { ...report, planned: admin.planned ?? [] } : report;
}

/** A change's report: JSON (with the plan), a dry run's plan, or `done` for people. */
export function showChange<T extends object>(
  d: { admin: AdminAccess },
  f: AdminFlags,
  report: T,
  done: (r: T) => void,
): void {
  if (f.json === true) return printJson(withPlan(d.admin, report));
  if (d.admin.dryRun) return sayPlanned(d.admin);
  done(report);
}

/** A list walk a misbehaving server cut short says so (stderr: stdout stays the table). */
export function warnStopped(r: { stopped?: string }): void {
  if (r.stopped !== undefined) process.stderr.write(`mxctl: warning: ${r.stopped}\n`);
}

/** What happened in each room (abuse quarantine, federation block). */
export function printRooms(rooms: readonly RoomOutcome[]): void {
  printTable(
    ['ROOM', 'RESULT', 'DETAIL'],
    rooms.map((r) => [r.roomId, r.result + (r.tookOver === true ? ' (took over)' : ''), r.detail]),
  );
}
