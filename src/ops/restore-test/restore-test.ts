// mxctl restore-test: the monthly restore drill. The backup is restored into a throwaway stack
// of its own (core/restore-test/drill-files.ts says what it is and why), checked against its
// Synapse, timed (RTO: start → every check passed; RPO: the backup's age), torn down whatever
// happens, and written down (docs/RUNBOOK.md, state/restore-tests.json).
// Production is never touched: nothing here runs in its compose project or its database; it is
// only read (`docker compose config`, the backups). A drill killed part-way leaves a project the
// next drill removes first, by its name (`<project>-drill`), before it starts its own.
import { join } from 'node:path';
import { phaseTimer, secondsSince } from '../../core/clock.ts';
import { backupTime } from '../../core/backup/naming.ts';
import type { Manifest } from '../../core/backup/manifest.ts';
import type { DrillRecord } from '../../core/restore-test/record.ts';
import { withLock } from '../../adapters/lock.ts';
import { ensurePrivateDir } from '../../adapters/fs.ts';
import type { ProjectObjects } from '../../adapters/compose-project.ts';
import type { Deps } from '../deps.ts';
import { resolveRestoreSource } from '../backup/source.ts';
import type { RestoreSource } from '../backup/source.ts';
import { readRepositoryInto } from '../backup/repository-read.ts';
import { backupDir } from '../backup/location.ts';
import { readArchiveInto } from '../backup/read.ts';
import { runPostRestoreChecks } from '../backup/post-restore-checks.ts';
import type { CheckItem } from '../backup/post-restore-checks.ts';
import {
  assertOwnAddress,
  drillsDir,
  lockFile,
  prepareDrillStack,
  removeLeftovers,
  saveLogs,
  tearDown,
} from './drill-stack.ts';
import type { DrillPlace, DrillStack } from './drill-stack.ts';
import { adminTokenWorks, check, newestMessageReadsBack, serverAnswers, signingKeyPublished } from './drill-checks.ts';
import { recordDrill } from './record.ts';

export type RestoreTestDeps = Pick<Deps, 'deployment' | 'cipher' | 'lock' | 'clock' | 'progress'> &
  Partial<Pick<Deps, 'restic'>>;

export const DEFAULT_DRILL_ADDRESS = '127.0.0.254';
export const DEFAULT_DRILL_PORT = 8008;

export interface RestoreTestOptions extends DrillPlace {
  ref: string;
}

export interface RestoreTestReport {
  id: string;
  archive: string;
  ok: boolean;
  startedAt: string;
  backupCreatedAt: string;
  /** Start → every check passed; absent when one failed. */
  rtoSeconds?: number;
  rpoSeconds: number;
  checks: CheckItem[];
  /** The first failed check, with what it saw. */
  failed?: string;
  /** The drill's logs, kept when it failed. */
  logFile?: string;
  drill: { project: string; address: string; port: number; hostNetwork: boolean };
  /** What killed drills had left, removed before this one started. */
  leftoversRemoved: { containers: number; volumes: number; networks: number; folders: number };
  /** What is left of the drill after its teardown (empty lists: nothing). */
  leftAfter: ProjectObjects;
  recorded: { runbook?: string; history: string };
  seconds: number;
  phases: { name: string; seconds: number }[];
}

type Phases = ReturnType<typeof phaseTimer>;
/** The drill's items in order; `passedAfter`: seconds from the start to the last one passing. */
type Checks = CheckItem[] & { passedAfter: number | undefined };

interface Drill {
  /** When the command started: the RTO counts from here. */
  started: Date;
  /** An archive, or a repository-mode backup (restic) with `repository` set. */
  target: RestoreSource;
  stack: DrillStack;
  checks: Checks;
  phase: Phases;
}

function logPath(d: RestoreTestDeps, started: Date, id: string): string {
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  return join(backupDir(d.deployment), 'restore-tests', `${stamp}-${id}.log`);
}

/** Runs one step as a check item; false = it failed (the drill stops there). */
async function step(run: Drill, name: string, work: () => Promise<string>): Promise<boolean> {
  run.phase.next(name);
  const item = await check(name, async () => ({ ok: true, detail: await work() }));
  run.checks.push(item);
  return item.ok;
}

/** Start → restore → checks, stopping at the first failed step. Returns the archive's manifest when read. */
async function drill(run: Drill, d: RestoreTestDeps): Promise<Manifest | undefined> {
  const { stack } = run;
  if (!(await step(run, "the drill's database starts", () => startService(stack, 'postgres', 180)))) return undefined;
  const read: { manifest?: Manifest } = {};
  const what =
    run.target.repository === undefined
      ? 'the archive decrypts, matches its manifest and loads into the drill database'
      : "the repository's snapshots match their manifest and load into the drill database";
  const loaded = await step(run, what, () => loadArchive(run, read, d));
  const m = read.manifest;
  if (!loaded || m === undefined) return m;
  const since = d.clock.now();
  if (!(await step(run, "the drill's Synapse starts", () => startService(stack, 'synapse', 300)))) return m;
  run.phase.next('checks against the drill');
  const items = [
    await check('Synapse answers and reports its version', () => serverAnswers(stack, m.synapse_version)),
    await check('the restored admin token passes whoami and /sync', () => adminTokenWorks(stack)),
    await check("the backup's newest message reads back", () => newestMessageReadsBack(stack)),
    await check("the published signing key is the backup's", () => signingKeyPublished(stack, m.server_name)),
    ...(await runPostRestoreChecks(
      { manifest: m, since, mode: 'full' },
      { deployment: drillDeployment(stack, d), postgres: stack.postgres, synapse: stack.synapse, clock: d.clock },
    )),
  ];
  run.checks.push(...items);
  if (items.every((i) => i.ok)) run.checks.passedAfter = secondsSince(d.clock, run.started);
  return m;
}

/**
 * The restore's reader (every sha256 against the manifest) with the dump streamed straight into
 * the drill's database, the files staged in the drill's folder. Throws on any mismatch.
 */
async function loadArchive(run: Drill, out: { manifest?: Manifest }, d: RestoreTestDeps): Promise<string> {
  const { stack } = run;
  const db = stack.postgres.target.db;
  const source = run.target.repository;
  const { read, consumerError } =
    source === undefined
      ? await readArchiveInto(
          run.target.archive,
          stack.postgres.startRestore(db),
          { stagingDir: stack.stagingDir, dumpSpoolDir: join(stack.stagingDir, 'dump-spool') },
          d,
        )
      : await readRepositoryInto(source, db, stack.stagingDir, { postgres: stack.postgres, progress: d.progress });
  out.manifest = read.manifest;
  const problems = [...read.problems, ...(consumerError === undefined ? [] : [`pg_restore: ${consumerError}`])];
  if (problems.length > 0) throw new Error(problems.join('; '));
  const from = source === undefined ? `${read.archiveBytes} bytes` : `from ${source.restic.description}`;
  return `${read.manifest.files.length} files, ${from}, dump loaded into ${stack.project}'s ${db}`;
}

async function startService(stack: DrillStack, service: string, timeoutS: number): Promise<string> {
  await stack.compose.up([service], { wait: true, timeoutS });
  return `${service} of ${stack.project} is healthy`;
}

/** The staged copy seen as a deployment: the checklist reads its admin state and the drill's logs. */
function drillDeployment(stack: DrillStack, d: RestoreTestDeps): RestoreTestDeps['deployment'] {
  return {
    root: stack.stagedRoot,
    settings: d.deployment.settings,
    composeDir: stack.compose.projectDir,
    envFile: join(stack.stagedRoot, '.env'),
    stateDir: join(stack.stagedRoot, 'state'),
  };
}

export async function restoreTest(o: RestoreTestOptions, d: RestoreTestDeps): Promise<RestoreTestReport> {
  const started = d.clock.now();
  assertOwnAddress(o, d.deployment);
  const target = await resolveRestoreSource(o.ref, d);
  await ensurePrivateDir(drillsDir(d.deployment));
  return withLock(d.lock, lockFile(d.deployment), `restore-test ${target.id}`, async () => {
    const phase = phaseTimer(d.clock, d.progress.step);
    phase.next('removing what earlier drills left');
    const left = await removeLeftovers(d.deployment);
    const stack = await prepareDrillStack(o, d.deployment);
    const run: Drill = { started, target, stack, phase, checks: Object.assign([], { passedAfter: undefined }) };
    let manifest: Manifest | undefined = target.sidecar;
    let logFile: string | undefined;
    let leftAfter: ProjectObjects;
    try {
      manifest = (await drill(run, d)) ?? manifest;
      if (run.checks.some((c) => !c.ok)) logFile = await saveLogs(stack, logPath(d, started, target.id));
    } catch (error) {
      // Not a check that failed but the drill itself (docker, the disk): its logs are kept all the same.
      await saveLogs(stack, logPath(d, started, target.id));
      throw error;
    } finally {
      phase.next('tearing the drill stack down');
      leftAfter = await tearDown(stack);
    }
    const record = recordOf(run, manifest, logFile);
    const recorded = await recordDrill(record, d.deployment);
    return {
      id: target.id,
      archive: target.archive,
      ok: record.ok,
      startedAt: record.at,
      backupCreatedAt: backupTimeOf(run, manifest),
      ...(record.rtoSeconds === undefined ? {} : { rtoSeconds: record.rtoSeconds }),
      rpoSeconds: record.rpoSeconds,
      checks: run.checks,
      ...(record.failed === undefined ? {} : { failed: record.failed }),
      ...(logFile === undefined ? {} : { logFile }),
      drill: { project: stack.project, address: o.address, port: o.port, hostNetwork: stack.hostNetwork },
      leftoversRemoved: {
        containers: left.containers.length,
        volumes: left.volumes.length,
        networks: left.networks.length,
        folders: left.folders.length,
      },
      leftAfter,
      recorded,
      seconds: secondsSince(d.clock, started),
      phases: phase.done(),
    };
  });
}

/** When the backup was taken: its manifest says, else its id. */
function backupTimeOf(run: Drill, manifest: Manifest | undefined): string {
  return manifest?.created_at ?? backupTime(run.target.id)?.toISOString() ?? run.started.toISOString();
}

/** The drill's verdict and figures, as the runbook and the history keep them. */
function recordOf(run: Drill, manifest: Manifest | undefined, logFile: string | undefined): DrillRecord {
  const ok = run.checks.length > 0 && run.checks.every((c) => c.ok);
  // RTO: the moment the last check passed (the teardown after it is not part of recovering).
  const rto = ok ? run.checks.passedAfter : undefined;
  const failed = run.checks.find((c) => !c.ok);
  const rpo = (run.started.getTime() - Date.parse(backupTimeOf(run, manifest))) / 1000;
  return {
    at: run.started.toISOString(),
    ok,
    backupId: run.target.id,
    ...(rto === undefined ? {} : { rtoSeconds: rto }),
    rpoSeconds: Math.max(0, Math.round(rpo)),
    ...(failed === undefined ? {} : { failed: `${failed.name}: ${failed.detail}` }),
    ...(logFile === undefined ? {} : { logFile }),
  };
}
