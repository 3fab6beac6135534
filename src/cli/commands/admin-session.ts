// Shared by the administration commands: open a session from the flags, print a dry run's plan.
import { openAdminSession } from '../../ops/admin/session.ts';
import type { AdminSession } from '../../ops/admin/session.ts';
import { progress, say } from '../output.ts';
import { terminalConfirm } from '../prompt.ts';

export interface CommonFlags {
  json?: true;
  yes?: true;
  dryRun?: true;
}

export async function session(dir: string | undefined, f: CommonFlags): Promise<AdminSession> {
  return openAdminSession({ dir }, {
    dryRun: f.dryRun === true,
    yes: f.yes === true,
    confirm: f.json === true ? undefined : terminalConfirm(),
    progress: progress(f.json !== true),
  });
}

/** A dry run's recorded plan, for people. */
export function sayPlanned(s: AdminSession): void {
  if (!s.dryRun) return;
  say(`Dry run: nothing was changed. mxctl would:`);
  for (const p of s.planned ?? []) say(`  - ${p.action}: ${p.target}${p.detail === undefined ? '' : ` ${JSON.stringify(p.detail)}`}`);
  if ((s.planned ?? []).length === 0) say('  (nothing)');
}

/** The JSON form adds the plan to a dry run's report. */
export function withPlan<T extends object>(s: AdminSession, report: T): T | (T & { planned: unknown }) {
  return s.dryRun ? { ...report, planned: s.planned ?? [] } : report;
}
