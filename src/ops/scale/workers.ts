// `mxctl scale workers --preset NAME | --workers 0`: Synapse's worker mode on Compose, and back
// to one process. The change is planned as files (ops/scale/workers-files.ts), shown as a diff,
// written atomically, the services recreated, and health-gated through nginx
// (workers-gate.ts); a failed gate takes it back. Before anything changes, every file's previous
// text is kept in state/workers-rollback.json (0600: homeserver.yaml holds secrets), so a run
// killed half-way leaves the way back on disk.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { MxError } from '../../core/errors.ts';
import { secondsSince } from '../../core/clock.ts';
import { PRESETS, isPresetName } from '../../core/scale/workers-presets.ts';
import type { PresetName } from '../../core/scale/workers-presets.ts';
import { presetOf } from '../../core/scale/workers-config.ts';
import { pathExists, removePath, writeFileAtomic } from '../../adapters/fs.ts';
import { resolvedServices } from '../../adapters/compose-project.ts';
import { withLock } from '../../adapters/lock.ts';
import { synapseHealth } from '../public-endpoints.ts';
import type { Deps } from '../deps.ts';
import { HOMESERVER, diffOf, planFiles, readCurrent, writePlanned } from './workers-files.ts';
import type { PlannedFile } from './workers-files.ts';
import { workersGate } from './workers-gate.ts';
import type { GateReport } from './workers-gate.ts';

export type WorkersDeps = Pick<
  Deps,
  'deployment' | 'compose' | 'publicHttp' | 'lock' | 'clock' | 'progress' | 'approve'
>;

export interface WorkersOptions {
  /** undefined: back to one process (`--workers 0`). */
  preset: PresetName | undefined;
  dryRun: boolean;
}

export interface WorkersReport {
  /** A preset name, or 'one process'. */
  from: string;
  to: string;
  files: { path: string; change: 'added' | 'changed' | 'removed' }[];
  /** Every file's diff, secrets REDACTED ('' when nothing changes). */
  diff: string;
  dryRun: boolean;
  /** Worker services running afterwards. */
  workers: string[];
  gate: GateReport | undefined;
  seconds: number;
}

const ONE = 'one process';
const recordPath = (d: WorkersDeps) => join(d.deployment.stateDir, 'workers-rollback.json');
const lockPath = (d: WorkersDeps) => join(d.deployment.stateDir, 'workers.lock');
const workersOf = (p: PresetName | undefined) => (p === undefined ? [] : PRESETS[p].workers.map((w) => w.name));

/**
 * Where worker listeners bind: inside a container of their own, every address; with host
 * networking (Synapse's service has `network_mode: host`), the host address Synapse is reached on.
 */
async function bindAddressOf(d: WorkersDeps): Promise<string> {
  const services = await resolvedServices(d.compose.projectDir);
  return services['synapse']?.hostNetwork === true ? d.deployment.settings.SYNAPSE_LOCAL_ADDRESS : '0.0.0.0';
}

export async function scaleWorkers(o: WorkersOptions, d: WorkersDeps): Promise<WorkersReport> {
  const started = d.clock.now();
  return withLock(d.lock, lockPath(d), 'scale workers', async () => {
    if (await pathExists(recordPath(d)))
      throw new MxError('E_USAGE', 'A worker-mode change was cut short (state/workers-rollback.json is there).', {
        hint: 'Its previous files are in that record: put them back by hand, or remove it once the stack is as you want it.',
      });
    const root = d.deployment.root;
    const current = await readCurrent(root);
    const was = presetOf(current.get(HOMESERVER) ?? '');
    const from = was !== undefined && isPresetName(was) ? was : undefined;
    const bindAddress = await bindAddressOf(d);
    const files = planFiles(current, {
      preset: o.preset,
      settings: d.deployment.settings,
      bindAddress,
      freshSecret: randomBytes(32).toString('base64url'),
      hasOverride: await pathExists(join(d.compose.projectDir, 'docker-compose.override.yml')),
    });
    const report: WorkersReport = {
      from: from ?? ONE,
      to: o.preset ?? ONE,
      files: files.map((f) => ({
        path: f.path,
        change: f.before === undefined ? 'added' : f.after === undefined ? 'removed' : 'changed',
      })),
      diff: diffOf(files, d.deployment.settings),
      dryRun: o.dryRun,
      workers: workersOf(from),
      gate: undefined,
      seconds: 0,
    };
    if (o.dryRun || files.length === 0) return { ...report, seconds: secondsSince(d.clock, started) };
    await d.approve(
      `Switch ${d.deployment.settings.MX_SERVER_NAME} from ${report.from} to ${report.to} (Synapse restarts)?`,
    );
    await writeFileAtomic(recordPath(d), `${JSON.stringify({ at: started.toISOString(), files }, null, 2)}\n`, 0o600);
    let gate: GateReport;
    try {
      await transition({ files, which: 'after', from, to: o.preset, bindAddress }, d);
      d.progress.step('gate: a message through nginx, read back from /sync');
      const syncWorker = o.preset === undefined ? undefined : PRESETS[o.preset].workers.find((w) => w.kind === 'sync');
      gate = await workersGate({ syncWorker, probeHost: bindAddress === '0.0.0.0' ? '127.0.0.1' : bindAddress }, d);
    } catch (error) {
      return await takeBack({ files, from, to: o.preset, bindAddress }, error, d);
    }
    await removePath(recordPath(d));
    return { ...report, workers: workersOf(o.preset), gate, seconds: secondsSince(d.clock, started) };
  });
}

async function takeBack(
  t: { files: readonly PlannedFile[]; from: PresetName | undefined; to: PresetName | undefined; bindAddress: string },
  error: unknown,
  d: WorkersDeps,
): Promise<never> {
  d.progress.step(`failed (${(error as Error).message}): taking it back`);
  try {
    await transition({ files: t.files, which: 'before', from: t.to, to: t.from, bindAddress: t.bindAddress }, d);
  } catch (back) {
    throw new MxError('E_STACK_UNHEALTHY', `The change failed and so did the way back: ${(back as Error).message}`, {
      hint: 'The previous files are in state/workers-rollback.json; `mxctl status` shows what runs.',
      cause: error,
    });
  }
  await removePath(recordPath(d));
  // NOTE: the failure's own detail (compose's stderr tail) is what names the worker that failed.
  const detail = error instanceof MxError ? error.detail : undefined;
  throw new MxError('E_STACK_UNHEALTHY', `Taken back to ${t.from ?? ONE}: ${(error as Error).message}`, {
    hint: "The stack runs as before. Read the workers' logs (`docker compose logs SERVICE` in compose/).",
    cause: error,
    ...(detail === undefined ? {} : { detail }),
  });
}

/**
 * From one set of files and services to another: workers that go away are removed while compose
 * still knows them, the files are written, Synapse restarts on them, compose starts and health-
 * checks the rest (Redis, the workers), and nginx restarts on its new routing.
 */
async function transition(
  t: {
    files: readonly PlannedFile[];
    which: 'after' | 'before';
    from: PresetName | undefined;
    to: PresetName | undefined;
    bindAddress: string;
  },
  d: WorkersDeps,
): Promise<void> {
  const keep = new Set(workersOf(t.to));
  const gone = [
    ...workersOf(t.from).filter((w) => !keep.has(w)),
    ...(t.to === undefined && t.from !== undefined ? ['redis'] : []),
  ];
  if (gone.length > 0) {
    d.progress.step(`removing ${gone.join(', ')}`);
    await d.compose.rm(gone);
  }
  d.progress.step('writing the files');
  await writePlanned(d.deployment.root, t.files, t.which);
  d.progress.step('restarting synapse; starting and health-checking every service');
  await d.compose.stop(['synapse']);
  await d.compose.up([], { wait: true, timeoutS: 600 });
  d.progress.step('restarting nginx on its new routing');
  await d.compose.restart(['nginx']);
  await waitForPublicSynapse(d);
}

async function waitForPublicSynapse(d: WorkersDeps): Promise<void> {
  const deadline = d.clock.now().getTime() + 120_000;
  for (;;) {
    try {
      await synapseHealth(d);
      return;
    } catch (error) {
      if (d.clock.now().getTime() > deadline)
        throw new MxError('E_STACK_UNHEALTHY', `Synapse is not healthy through nginx: ${(error as Error).message}`, {
          cause: error,
        });
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
