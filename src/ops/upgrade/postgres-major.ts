// `mxctl upgrade postgres --to MAJOR`: a PostgreSQL major upgrade. The on-disk format changes
// between majors, so the new image cannot open the old data directory: the database is dumped
// from the old server and loaded into the new image on a NEW volume (postgres-load.ts), and the
// deployment switches to it by moving the pin, the volume and its mount point in one .env write.
// Synapse is stopped from before the dump until the new cluster serves it: that is the downtime,
// measured and reported. The old volume is never written to and never removed here: it is kept
// (`mxctl upgrade volumes`) until the admin removes it (`mxctl upgrade remove-old-volume`).
// Journal phases: started → backed-up → pulled → loading → loaded → pinned → recreated →
// healthy. A failure, or a killed run found by the next one, before `pinned` goes back to the old
// cluster (nothing of it changed); from `pinned` on, the new cluster is gated again and, if it
// fails, the old pin, volume and mount go back.
import { phaseTimer } from '../../core/clock.ts';
import { journalId } from '../../core/upgrade/journal.ts';
import type { PostgresMove } from '../../core/upgrade/journal.ts';
import {
  majorOfVersionNum,
  mountForMajor,
  newVolumeName,
  postgresMount,
  postgresVolume,
} from '../../core/upgrade/postgres-major.ts';
import { MxError } from '../../core/errors.ts';
import type { Settings } from '../../core/settings.ts';
import type { Deps } from '../deps.ts';
import type { ServiceOutcome, UpgradeDeps, UpgradeOptions } from './upgrade-run.ts';
import { watchClientApi } from './downtime.ts';
import { gateService } from './gate.ts';
import type { GateCheck, GateDeps, GateResult } from './gate.ts';
import type { JournalRecorder } from './journal-file.ts';
import { openEntry, pullAndKeep } from './service-steps.ts';
import type { Phases } from './service-steps.ts';
import { withStopHeld } from '../../adapters/interrupt.ts';
import { writeSettings } from './pins.ts';
import type { ServicePlan } from './plan.ts';
import { loadNewCluster, scratchName } from './postgres-load.ts';
import type { LoadReport } from './postgres-load.ts';
import { closeRollback, firstFailure, recreate, retagPrevious, rollbackThrew, tagOf } from './rollback.ts';
import type { RollbackDeps, RollbackOutcome } from './rollback.ts';

/** The major the running server reports (`server_version_num`), not the one its tag claims. */
export async function liveMajor(d: Pick<Deps, 'postgres'>): Promise<number> {
  const num = Number((await d.postgres.psql('SHOW server_version_num;')).trim());
  if (!Number.isFinite(num) || num <= 0) throw new MxError('E_DATABASE', 'PostgreSQL did not report its version.');
  return majorOfVersionNum(num);
}

/**
 * The old pin, volume and mount, written only where they differ from what .env means now: a run
 * killed before the switch leaves .env byte for byte as it was (an empty POSTGRES_VOLUME stays empty).
 */
function oldSettings(pin: string, m: PostgresMove, s: Settings): Record<string, string> {
  return {
    ...(s.POSTGRES_IMAGE === pin ? {} : { POSTGRES_IMAGE: pin }),
    ...(postgresVolume(s) === m.fromVolume ? {} : { POSTGRES_VOLUME: m.fromVolume }),
    ...(postgresMount(s) === m.fromMount ? {} : { POSTGRES_DATA_MOUNT: m.fromMount }),
  };
}

function targetSettings(pin: string, m: PostgresMove): Record<string, string> {
  return { POSTGRES_IMAGE: pin, POSTGRES_VOLUME: m.toVolume, POSTGRES_DATA_MOUNT: m.toMount };
}

export async function upgradePostgresMajor(
  sp: ServicePlan & { postgresMajor: { from: number; to: number } },
  backupId: string,
  o: UpgradeOptions,
  d: UpgradeDeps,
): Promise<ServiceOutcome> {
  const phase = phaseTimer(d.clock, d.progress.step);
  const id = journalId(d.clock.now(), 'postgres');
  const move = await plannedMove(sp, id, d);
  const rec = await openEntry(sp, backupId, d, { id, postgres: move });
  await pullAndKeep(sp, rec, phase, d);
  // NOTE: the downtime starts here, on purpose after the backup and the pull: Synapse is stopped
  // so that nothing is written to the old cluster after the dump began.
  const watch = watchClientApi(d);
  const { gate, load } = await loadSwitchAndGate(sp, move, rec, phase, o, d);
  const outcome = async (extra: Partial<ServiceOutcome>): Promise<ServiceOutcome> => ({
    service: 'postgres',
    journalId: id,
    from: sp.from,
    to: sp.to,
    result: 'healthy',
    gate,
    rollback: undefined,
    clientApiUnavailableSeconds: (await watch.stop()).unavailableSeconds,
    postgres: { move, load, keptVolume: move.fromVolume },
    ...extra,
    phases: phase.done(),
  });
  if (gate.ok) {
    await rec.move('healthy');
    return outcome({});
  }
  phase.next(`postgres: ${firstFailure(gate)}: going back to the old cluster`);
  await rec.move('rolling-back', firstFailure(gate));
  // NOTE: going back runs to its end even when a stop signal caused the failure: a server left
  // between two clusters is worse than either.
  const rollback = await withStopHeld(() => rollBackPostgresMajor(rec, d), { evenIfStopped: true }).catch(
    async (error: unknown) => {
      await watch.stop(); // NOTE: its polling loop would keep the process alive
      throw error;
    },
  );
  return outcome({ result: rollback.ok ? 'rolled-back' : 'rollback-failed', rollback });
}

/** The move from the running major (as the server reports it, not as the pin claims) to the target. */
async function plannedMove(
  sp: ServicePlan & { postgresMajor: { from: number; to: number } },
  id: string,
  d: UpgradeDeps,
): Promise<PostgresMove> {
  const s = d.deployment.settings;
  const toMajor = sp.postgresMajor.to;
  const fromMajor = await liveMajor(d);
  if (fromMajor !== sp.postgresMajor.from)
    throw new MxError(
      'E_UPGRADE_REFUSED',
      `POSTGRES_IMAGE names PostgreSQL ${sp.postgresMajor.from}, but the server reports ${fromMajor}.`,
      { hint: 'Set POSTGRES_IMAGE to the image the cluster really runs, then try again. Nothing was changed.' },
    );
  return {
    fromMajor,
    toMajor,
    fromVolume: postgresVolume(s),
    toVolume: newVolumeName(s.COMPOSE_PROJECT_NAME, toMajor, id),
    fromMount: postgresMount(s),
    toMount: mountForMajor(toMajor),
  };
}

/** Synapse stopped, the dump loaded into the new cluster, the one-write switch, the gate. */
async function loadSwitchAndGate(
  sp: ServicePlan,
  move: PostgresMove,
  rec: JournalRecorder,
  phase: Phases,
  o: UpgradeOptions,
  d: UpgradeDeps,
): Promise<{ gate: GateResult; load: LoadReport | undefined }> {
  let load: LoadReport | undefined;
  try {
    await rec.move('loading');
    phase.next(`postgres: Synapse stopped (downtime); dumping PostgreSQL ${move.fromMajor} into ${move.toMajor}`);
    await d.compose.stop(['synapse']);
    load = await loadNewCluster(move, sp.to, d);
    await rec.move('loaded');
    phase.next(`postgres: switching to ${move.toVolume}`);
    await writeSettings(targetSettings(sp.to, move), d);
    await rec.move('pinned');
    await recreateOnCluster(d);
    await rec.move('recreated');
    phase.next('postgres: health gate');
    return { gate: await gateMajor(move.toMajor, o.gateTimeoutS ?? 180, d), load };
  } catch (error) {
    return { gate: failedGate('the dump, load and switch', error), load };
  }
}

/**
 * postgres recreated on what .env names now, then Synapse started as soon as the database
 * answers. NOTE: --no-deps, because compose would wait for postgres's health check, whose first
 * run is a whole interval (10 s) after the start: downtime for nothing.
 */
async function recreateOnCluster(d: RollbackDeps): Promise<void> {
  await recreate('postgres', d);
  await untilPostgresAnswers(d);
  await recreate('synapse', d, { noDeps: true });
}

async function untilPostgresAnswers(d: Pick<Deps, 'postgres' | 'progress'>, timeoutS = 180): Promise<void> {
  d.progress.step('waiting for PostgreSQL to answer');
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const ok = await d.postgres.psql('SELECT 1;', { timeoutMs: 10_000 }).then(
      () => true,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new MxError('E_TIMEOUT', `PostgreSQL did not answer within ${timeoutS} s.`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

function failedGate(name: string, error: unknown): GateResult {
  return { service: 'postgres', ok: false, checks: [{ name, ok: false, detail: (error as Error).message }] };
}

/** The new (or old) cluster serves Synapse: the major it reports, a query, then Synapse's own gate. */
async function gateMajor(major: number, timeoutS: number, d: GateDeps): Promise<GateResult> {
  const checks: GateCheck[] = [];
  try {
    const live = await liveMajor(d);
    checks.push({
      name: `PostgreSQL reports major ${major}`,
      ok: live === major,
      detail: `server_version_num says ${live}`,
    });
  } catch (error) {
    checks.push({ name: `PostgreSQL reports major ${major}`, ok: false, detail: (error as Error).message });
  }
  if (checks.every((c) => c.ok)) {
    const pg = await gateService('postgres', { tag: String(major) }, d);
    checks.push(...pg.checks);
  }
  if (checks.every((c) => c.ok)) {
    const synapse = await gateService('synapse', { tag: tagOf(d.deployment.settings.SYNAPSE_IMAGE), timeoutS }, d);
    checks.push(...synapse.checks);
  }
  return { service: 'postgres', ok: checks.every((c) => c.ok), checks };
}

/**
 * Back to the old cluster: the scratch server gone, the old pin, volume and mount in .env,
 * postgres and Synapse recreated on them, gated. A new volume that was never switched to is
 * removed (it holds nothing the old one lacks); one that served (the switch happened) is kept
 * and listed, since Synapse may have written to it.
 */
export async function rollBackPostgresMajor(rec: JournalRecorder, d: RollbackDeps): Promise<RollbackOutcome> {
  const e = rec.entry;
  const m = e.postgres;
  if (m === undefined) throw new Error('rollBackPostgresMajor: not a PostgreSQL major upgrade');
  try {
    d.progress.step(`postgres: back to ${e.from} on ${m.fromVolume}`);
    // NOTE: Synapse stopped first: after the switch it ran on the new cluster, and what it holds
    // in memory (stream positions, caches) must not meet the old one.
    await d.compose.stop(['synapse']);
    await d.pgUpgradeTools.removeContainer(scratchName(d.deployment.settings.COMPOSE_PROJECT_NAME));
    await writeSettings(oldSettings(e.from, m, d.deployment.settings), d);
    await retagPrevious(e, d);
    await recreate('postgres', d);
    await untilPostgresAnswers(d);
    const switched = e.steps.some((x) => x.phase === 'pinned');
    if (
      !switched &&
      (await d.pgUpgradeTools.volumeInfo(m.toVolume)) !== undefined &&
      (await d.pgUpgradeTools.containersUsing(m.toVolume)).length === 0
    )
      await d.pgUpgradeTools.removeVolume(m.toVolume);
    await recreate('synapse', d, { noDeps: true });
    return await closeRollback(rec, await gateMajor(m.fromMajor, 180, d));
  } catch (error) {
    throw await rollbackThrew(
      rec,
      `Could not go back to PostgreSQL ${m.fromMajor}`,
      `The old cluster is untouched in the volume ${m.fromVolume}: \`mxctl rollback\` tries again; the pre-upgrade backup is ${e.backupId ?? '(none)'}.`,
      error,
    );
  }
}

/** A killed run had switched (pinned or recreated): make sure the target runs, gate it, go back if it fails. */
export async function regatePostgresMajor(rec: JournalRecorder, d: RollbackDeps): Promise<void> {
  const m = rec.entry.postgres;
  if (m === undefined) throw new Error('regatePostgresMajor: not a PostgreSQL major upgrade');
  let gate: GateResult;
  try {
    await writeSettings(targetSettings(rec.entry.to, m), d);
    await recreateOnCluster(d);
    if (rec.entry.phase === 'pinned') await rec.move('recreated');
    gate = await gateMajor(m.toMajor, 180, d);
  } catch (error) {
    gate = failedGate('recreating on the new cluster', error);
  }
  if (gate.ok) {
    await rec.move('healthy');
    return;
  }
  await rec.move('rolling-back', firstFailure(gate));
  await rollBackPostgresMajor(rec, d);
}
