// `mxctl upgrade`: the plan carried out, one service at a time, each step written to the journal
// before the next begins (core/upgrade/journal.ts). Refused plans change nothing. A pre-upgrade
// backup is made and verified first; per service the target is pulled by digest and the running
// image kept under a rollback tag, the pin written, the service recreated and put through the
// health gate. A failed gate rolls that service back by itself (rollback.ts) and stops the run.
// A run killed half-way is finished by the next `upgrade` or `rollback` from the journal's phase.
import { join } from 'node:path';
import { phaseTimer, secondsSince } from '../../core/clock.ts';
import { MxError } from '../../core/errors.ts';
import { resumeAction, unfinished } from '../../core/upgrade/journal.ts';
import type { JournalEntry } from '../../core/upgrade/journal.ts';
import type { ServiceName } from '../../core/templates/compose.ts';
import { withLock } from '../../adapters/lock.ts';
import { stopSignal, throwIfStopped, withStopHeld } from '../../adapters/interrupt.ts';
import { createBackup } from '../backup/create.ts';
import { verifyBackup } from '../backup/verify.ts';
import type { Deps } from '../deps.ts';
import { watchClientApi } from './downtime.ts';
import { gateService } from './gate.ts';
import type { GateResult } from './gate.ts';
import { JournalRecorder, readJournal } from './journal-file.ts';
import { openEntry, pullAndKeep } from './service-steps.ts';
import type { Phases } from './service-steps.ts';
import { currentPin, writePin } from './pins.ts';
import { planUpgrade } from './plan.ts';
import type { ServicePlan, UpgradePlan } from './plan.ts';
import { firstFailure, recreate, rollBack, serviceOf, tagOf } from './rollback.ts';
import type { RollbackDeps } from './rollback.ts';
import type { ServiceOutcome, ServiceResult, UpgradeDeps, UpgradeOptions } from './upgrade-run.ts';
import { regatePostgresMajor, rollBackPostgresMajor, upgradePostgresMajor } from './postgres-major.ts';

/** What finishing a killed run needs: no registry (the target is here or the pin goes back). */
export type ResumeDeps = RollbackDeps;

export interface ResumedOutcome {
  journalId: string;
  service: string;
  /** What the killed run had reached, and what this run made of it. */
  foundPhase: string;
  phase: string;
}

export interface UpgradeReport {
  deployment: string;
  /** A killed run's entry, finished before anything new was started. */
  resumed: ResumedOutcome | undefined;
  plan: UpgradePlan;
  backupId: string | undefined;
  /** The pre-upgrade backup and its verification: outside the downtime window. */
  backupSeconds: number | undefined;
  services: ServiceOutcome[];
  ok: boolean;
  seconds: number;
}

export function upgradeLockPath(d: Pick<Deps, 'deployment'>): string {
  return join(d.deployment.stateDir, 'upgrade.lock');
}

export async function upgrade(o: UpgradeOptions, d: UpgradeDeps): Promise<UpgradeReport> {
  const started = d.clock.now();
  return withLock(d.lock, upgradeLockPath(d), 'upgrade', async () => {
    const resumed = await resumeUnfinished(d, 'upgrade');
    const plan = await planUpgrade(o, d);
    const report = (
      backup: { id: string; seconds: number } | undefined,
      services: ServiceOutcome[],
    ): UpgradeReport => ({
      deployment: d.deployment.root,
      resumed,
      plan,
      backupId: backup?.id,
      backupSeconds: backup?.seconds,
      services,
      ok: services.every((s) => s.result === 'healthy'),
      seconds: (d.clock.now().getTime() - started.getTime()) / 1000,
    });
    if (!plan.ok)
      throw new MxError(
        'E_UPGRADE_REFUSED',
        `The upgrade is refused:\n${plan.blockers.map((b) => `- ${b}`).join('\n')}`,
        {
          hint: '`mxctl upgrade --plan` shows the whole plan. Nothing was changed.',
        },
      );
    if (plan.services.length === 0) return report(undefined, []);
    const major = plan.services.find((s) => s.postgresMajor !== undefined)?.postgresMajor;
    await d.approve(
      `Upgrade ${plan.services.map((s) => `${s.service} ${s.from} → ${s.toTag}`).join(', ')}? ` +
        'A backup is taken first; a service that fails its health check is rolled back.' +
        (major === undefined
          ? ''
          : ` PostgreSQL ${major.from} → ${major.to} is a dump and load into a new volume: Synapse is DOWN meanwhile; the old volume is kept.`),
    );
    const backupStarted = d.clock.now();
    const backupId = await preUpgradeBackup(d);
    const backup = { id: backupId, seconds: secondsSince(d.clock, backupStarted) };
    const outcomes: ServiceOutcome[] = [];
    for (const sp of plan.services) {
      const outcome =
        sp.postgresMajor === undefined
          ? await upgradeService(sp, backupId, o, d)
          : await upgradePostgresMajor({ ...sp, postgresMajor: sp.postgresMajor }, backupId, o, d);
      outcomes.push(outcome);
      // NOTE: a service that did not come through stops the run: the next one would be upgraded
      // onto a stack that is not as the plan saw it.
      if (outcome.result !== 'healthy') break;
    }
    return report(backup, outcomes);
  });
}

async function preUpgradeBackup(d: UpgradeDeps): Promise<string> {
  d.progress.step('pre-upgrade backup');
  const b = await createBackup({ tag: 'pre-upgrade' }, d);
  const v = await verifyBackup({ ref: b.id }, d);
  if (!v.ok)
    throw new MxError('E_UPGRADE_REFUSED', `The pre-upgrade backup ${b.id} did not verify: ${v.problems.join('; ')}.`, {
      hint: 'Nothing was upgraded. `mxctl backup verify` and `mxctl doctor` say more.',
    });
  return b.id;
}

async function upgradeService(
  sp: ServicePlan,
  backupId: string,
  o: UpgradeOptions,
  d: UpgradeDeps,
): Promise<ServiceOutcome> {
  const phase = phaseTimer(d.clock, d.progress.step);
  const rec = await openEntry(sp, backupId, d);
  const outcome = (result: ServiceResult, extra: Partial<ServiceOutcome>): ServiceOutcome => ({
    service: sp.service,
    journalId: rec.entry.id,
    from: sp.from,
    to: sp.to,
    result,
    gate: undefined,
    rollback: undefined,
    clientApiUnavailableSeconds: undefined,
    ...extra,
    phases: phase.done(),
  });
  await pullAndKeep(sp, rec, phase, d);
  // NOTE: from the pin on, a stop signal does not cut the run short: the service ends healthy or
  // back on its previous pin (a signal fails the gate, so it rolls back). Before, it abandons.
  try {
    throwIfStopped();
  } catch (error) {
    await rec.move('abandoned', (error as Error).message);
    throw error;
  }
  return withStopHeld(async () => {
    const { gate, unavailableSeconds } = await switchAndGate(sp, rec, o, phase, d);
    const measured = { gate, clientApiUnavailableSeconds: unavailableSeconds };
    if (gate.ok) {
      await rec.move('healthy');
      return outcome('healthy', measured);
    }
    phase.next(`${sp.service}: the health gate failed (${firstFailure(gate)}): rolling back`);
    await rec.move('rolling-back', firstFailure(gate));
    const rollback = await rollBack(rec, d);
    return outcome(rollback.ok ? 'rolled-back' : 'rollback-failed', { ...measured, rollback });
  });
}

/** Pin, recreate and the health gate, with the client API watched while Synapse is recreated. */
async function switchAndGate(
  sp: ServicePlan,
  rec: JournalRecorder,
  o: UpgradeOptions,
  phase: Phases,
  d: UpgradeDeps,
): Promise<{ gate: GateResult; unavailableSeconds: number | undefined }> {
  await writePin(sp.service, sp.to, d);
  await rec.move('pinned');
  phase.next(`${sp.service}: recreating on ${sp.toTag}`);
  const watch = sp.service === 'synapse' ? watchClientApi(d) : undefined;
  let gate: GateResult;
  try {
    await recreate(sp.service, d);
    await rec.move('recreated');
    phase.next(`${sp.service}: health gate`);
    gate = await gateService(sp.service, { tag: sp.toTag, timeoutS: o.gateTimeoutS ?? 180 }, d);
  } catch (error) {
    gate = failedGate(sp.service, 'recreate', error);
  }
  const signal = stopSignal();
  if (gate.ok && signal !== undefined) gate = failedGate(sp.service, 'not stopped', new Error(`stopped by ${signal}`));
  return { gate, unavailableSeconds: (await watch?.stop())?.unavailableSeconds };
}

function failedGate(service: ServiceName, name: string, error: unknown): GateResult {
  return { service, ok: false, checks: [{ name, ok: false, detail: (error as Error).message }] };
}

/**
 * Finishes what a killed run left in the journal, before anything new starts. `rollback-failed`
 * is left for `mxctl rollback` (a person looked at it) when called from `upgrade`.
 */
export async function resumeUnfinished(
  d: ResumeDeps,
  caller: 'upgrade' | 'rollback',
): Promise<ResumedOutcome | undefined> {
  const e = unfinished(await readJournal(d));
  if (e === undefined) return undefined;
  const service = serviceOf(e);
  if (e.phase === 'rollback-failed' && caller === 'upgrade')
    throw new MxError(
      'E_UPGRADE_REFUSED',
      `The rollback of ${service} (${e.id}) failed earlier: ${e.error ?? 'no reason recorded'}. No new upgrade starts until it is settled.`,
      { hint: 'Run `mxctl rollback` to try again, or read `mxctl upgrade history`.' },
    );
  const foundPhase = e.phase;
  d.progress.step(`finishing ${e.id} (${service}), left at "${foundPhase}" by a run that did not end`);
  const rec = await JournalRecorder.open(d, e);
  switch (resumeAction(e)) {
    case 'abandon':
      await abandon(rec, d);
      break;
    case 'gate':
      if (e.postgres === undefined) await regate(rec, d);
      else await regatePostgresMajor(rec, d);
      break;
    case 'roll-back':
      if (rec.entry.phase !== 'rolling-back')
        await rec.move('rolling-back', rec.entry.error ?? 'the run stopped half-way');
      if (e.postgres === undefined) await rollBack(rec, d);
      else await rollBackPostgresMajor(rec, d);
      break;
    case 'none':
      break;
  }
  return { journalId: e.id, service, foundPhase, phase: rec.entry.phase };
}

/** The pin was never written, or is put back: nothing else changed. */
async function abandon(rec: JournalRecorder, d: ResumeDeps): Promise<void> {
  const e: JournalEntry = rec.entry;
  const service = serviceOf(e);
  if ((await currentPin(service, d)) !== e.from) await writePin(service, e.from, d);
  await rec.move('abandoned', 'the run stopped before the new pin was written');
}

/** The target may be running, half-started or not at all: recreate, then judge it as a run would. */
async function regate(rec: JournalRecorder, d: ResumeDeps): Promise<void> {
  const service = serviceOf(rec.entry);
  if ((await currentPin(service, d)) !== rec.entry.to) await writePin(service, rec.entry.to, d);
  let gate: GateResult;
  try {
    await recreate(service, d);
    if (rec.entry.phase === 'pinned') await rec.move('recreated');
    gate = await gateService(service, { tag: tagOf(rec.entry.to) }, d);
  } catch (error) {
    gate = failedGate(service, 'recreate', error);
  }
  if (gate.ok) {
    await rec.move('healthy');
    return;
  }
  await rec.move('rolling-back', firstFailure(gate));
  await rollBack(rec, d);
}
