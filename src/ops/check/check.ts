// `mxctl check`: one pass over every monitored signal, for cron and the monitor daemon. Doctor's
// facts and checks are reused (services, certificates, disk thresholds, log judgement); what is
// new is judged in core/check. Groups run concurrently; a group that cannot run becomes one
// warning instead of hiding the others. The state file is written once, at the end.
import { secondsSince } from '../../core/clock.ts';
import { exitCodeFor, fromFinding, signal, worstOf } from '../../core/check/signal.ts';
import type { Level, Signal } from '../../core/check/signal.ts';
import { gatherFacts } from '../doctor/facts.ts';
import type { DoctorDeps, DoctorFacts } from '../doctor/facts.ts';
import { stackChecks } from '../doctor/stack-checks.ts';
import { backupChecks } from './backup-checks.ts';
import { diskChecks } from './disk-checks.ts';
import { certificateChecks, endpointChecks } from './public-checks.ts';
import { logCheck, metricsChecks } from './synapse-checks.ts';
import { monitorChecks } from './monitor-checks.ts';
import { readCheckState, writeCheckState, checkStatePath } from './state-file.ts';

export type CheckDeps = DoctorDeps;

export interface CheckReport {
  /** The JSON shape's version: bumped only by an incompatible change. */
  version: 1;
  deployment: string;
  serverName: string;
  checkedAt: string;
  /** The previous check (Synapse's log was read from then), or null on the first. */
  previousCheckAt: string | null;
  level: Level;
  exitCode: 0 | 1 | 2;
  counts: Record<Level, number>;
  signals: Signal[];
  stateFile: string;
  durationMs: number;
}

export async function runCheck(_o: Record<string, never>, d: CheckDeps): Promise<CheckReport> {
  const started = d.clock.now();
  const state = await readCheckState(d.deployment);
  const previous = state.lastCheckAt === undefined ? undefined : new Date(state.lastCheckAt);
  const facts = await gatherFacts({}, d);
  const groups: [string, (f: DoctorFacts) => Promise<Signal[]>][] = [
    ['stack', async (f) => (await stackChecks(f)).map((x) => fromFinding(x))],
    ['endpoints', endpointChecks],
    ['certificates', certificateChecks],
    ['disk', (f) => diskChecks(d.deployment, state, f.now)],
    ['backups', (f) => backupChecks(d.deployment, f.now)],
    ['synapse metrics', (f) => metricsChecks(f, state)],
    ['synapse log', (f) => logCheck(f, previous)],
    ['monitor', (f) => monitorChecks(d.deployment, f.now)],
  ];
  const results = await Promise.all(
    groups.map(async ([name, check]) => {
      try {
        return await check(facts);
      } catch (error) {
        const detail = (error as { detail?: string }).detail;
        return [
          signal(`check.${name.replace(/\s+/g, '_')}`, 'warn', `could not check ${name}: ${(error as Error).message}`, {
            evidence: detail === undefined ? [] : [detail],
          }),
        ];
      }
    }),
  );
  const signals = results.flat();
  state.lastCheckAt = facts.now.toISOString();
  await writeCheckState(d.deployment, state);
  const counts: Record<Level, number> = { ok: 0, warn: 0, critical: 0 };
  for (const s of signals) counts[s.level]++;
  const level = worstOf(signals.map((s) => s.level));
  return {
    version: 1,
    deployment: d.deployment.root,
    serverName: d.deployment.settings.MX_SERVER_NAME,
    checkedAt: facts.now.toISOString(),
    previousCheckAt: previous?.toISOString() ?? null,
    level,
    exitCode: exitCodeFor(level),
    counts,
    signals,
    stateFile: checkStatePath(d.deployment),
    durationMs: Math.round(secondsSince(d.clock, started) * 1000),
  };
}
