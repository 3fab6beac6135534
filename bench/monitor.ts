// Benchmark: what `mxctl monitor run` costs on the lab, and how fast it tells. Not a test:
// nothing here asserts a figure.
//   - What runs: a release of this checkout (scripts/release.sh, compiled JavaScript, installed
//     with npm), started through its bin as the compose service and a systemd unit start it;
//     `--from source` runs the checkout's TypeScript instead (Node's type stripping costs ~17 MiB).
//   - Cost: the monitor at --interval for --minutes: its resident memory (VmRSS sampled every
//     5 s: peak and mean, and how much of it is anonymous — the heap, private to the process —
//     and file-backed — the Node binary's pages, shared and reclaimable) and its CPU share of one
//     core (its own utime+stime over the wall time, and that of the programs its passes run —
//     docker ps, docker inspect, docker logs — from the children it reaped).
//   - Alert latency: Synapse stopped; seconds until the first alert reached the webhook, against
//     the signal's window plus the interval, the most the design allows for.
//   node bench/monitor.ts [--minutes 10] [--interval 30] [--from release|source]
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startLab } from '../lab/harness.ts';
import { MXCTL, REPO } from '../lab/lab-stack.ts';
import { startHttpReceiver } from '../lab/receivers.ts';
import { formatSettings } from '../src/core/settings.ts';
import { readSettings } from '../src/ops/deployment.ts';
import { DEFAULT_POLICY, windowOf } from '../src/core/alerts/alert-state.ts';

const exec = promisify(execFile);
const { values: flags } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    interval: { type: 'string', default: '30' },
    from: { type: 'string', default: 'release' },
  },
});
const MINUTES = Number(flags.minutes);
const INTERVAL = Number(flags.interval);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const TICK = Number((await exec('getconf', ['CLK_TCK'])).stdout.trim());

interface ProcStats {
  /** utime+stime of the process and of its reaped children (seconds). */
  own: number;
  children: number;
  /** VmRSS, RssAnon, RssFile (bytes). */
  rss: number;
  anon: number;
  file: number;
}

async function procStats(pid: number): Promise<ProcStats> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const n = (i: number) => Number(f[i - 3]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return {
    own: (n(14) + n(15)) / TICK,
    children: (n(16) + n(17)) / TICK,
    rss: kb('VmRSS'),
    anon: kb('RssAnon'),
    file: kb('RssFile'),
  };
}

/** The mxctl to run: the checkout's, or a release built and installed into a scratch folder. */
async function mxctlEntry(scratch: string): Promise<string> {
  if (flags.from === 'source') return MXCTL;
  log('building and installing a release of this checkout');
  const built = await exec('bash', [join(REPO, 'scripts', 'release.sh'), join(scratch, 'release')], { cwd: REPO });
  await exec('npm', [
    'install',
    '--prefix',
    scratch,
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    built.stdout.trim(),
  ]);
  return join(scratch, 'node_modules', 'element-matrix', 'bin', 'mxctl.mjs');
}

function startMonitor(entry: string, dir: string): ChildProcess {
  const child = spawn(process.execPath, [entry, '--dir', dir, 'monitor', 'run', '--interval', String(INTERVAL)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout?.on('data', (c: Buffer) => process.stderr.write(`[monitor] ${c.toString('utf8')}`));
  return child;
}

const scratch = await mkdtemp(join(tmpdir(), 'mx-bench-monitor-'));
const entry = await mxctlEntry(scratch);
const lab = await startLab();
const hook = await startHttpReceiver(lab.address);
const out: string[] = [];
try {
  const backup = await lab.mxctl(['backup', '--local-only']);
  if (backup.code !== 0) throw new Error(backup.stderr);
  const s = await readSettings(lab.dir);
  await writeFile(
    join(lab.dir, '.env'),
    formatSettings({ ...s, ALERT_WEBHOOK_URL: `${hook.url}/hook`, MONITOR_ADDRESS: lab.address, MONITOR_PORT: 9129 }),
    { mode: 0o600 },
  );
  log(`the monitor at a ${INTERVAL} s interval for ${MINUTES} min`);
  const child = startMonitor(entry, lab.dir);
  const pid = child.pid as number;
  await sleep(INTERVAL * 1000);
  // Cost: from after the first pass (start-up, module loading) to the end of the span.
  const first = await procStats(pid);
  const started = Date.now();
  const samples: ProcStats[] = [];
  while (Date.now() - started < MINUTES * 60_000) {
    samples.push(await procStats(pid));
    await sleep(5_000);
  }
  const last = await procStats(pid);
  const wall = (Date.now() - started) / 1000;
  const mib = (b: number) => (b / 1024 ** 2).toFixed(1);
  const mean = (k: 'rss' | 'anon' | 'file') => samples.reduce((a, x) => a + x[k], 0) / samples.length;
  const own = (100 * (last.own - first.own)) / wall;
  const children = (100 * (last.children - first.children)) / wall;
  out.push(
    `monitor cost over ${MINUTES} min at a ${INTERVAL} s interval, run from the ${flags.from} (${lab.address}, the lab's Synapse, nginx, Postgres):`,
    `  RSS: peak ${mib(Math.max(...samples.map((x) => x.rss)))} MiB, mean ${mib(mean('rss'))} MiB (target <= 80 MiB): anonymous ${mib(mean('anon'))} MiB, file-backed ${mib(mean('file'))} MiB (the Node binary's pages: shared, reclaimable)`,
    `  CPU, the monitor's process: ${own.toFixed(2)} % of one core (target <= 1 %)`,
    `  CPU, the programs its passes ran (docker ps, docker inspect, docker logs): ${children.toFixed(2)} %; both: ${(own + children).toFixed(2)} % of one core`,
  );
  // Latency: the fault to the first alert delivered.
  const window = windowOf('stack.synapse', DEFAULT_POLICY) / 1000;
  log('Synapse stopped: waiting for the first alert');
  const fault = Date.now();
  await exec('docker', ['compose', 'stop', 'synapse'], { cwd: join(lab.dir, 'compose') });
  const stopped = (Date.now() - fault) / 1000;
  let firstAlert: number | undefined;
  while (firstAlert === undefined && Date.now() - fault < (window + 3 * INTERVAL) * 1000) {
    if (hook.requests.some((q) => q.path === '/hook')) firstAlert = Date.now();
    else await sleep(250);
  }
  const keys = hook.requests.map((q) => (JSON.parse(q.body) as { key: string }).key).join(', ');
  out.push(
    firstAlert === undefined
      ? `alert latency: no alert within ${window + 3 * INTERVAL} s of the fault`
      : `alert latency: ${((firstAlert - fault) / 1000).toFixed(1)} s from \`docker compose stop synapse\` (which took ${stopped.toFixed(1)} s) to the first alert on the webhook (${keys}); the signal's window is ${window} s, a pass every ${INTERVAL} s: at most window + interval + a pass by design; the issue's target: window + 30 s`,
  );
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  await exec('docker', ['compose', 'start', 'synapse'], { cwd: join(lab.dir, 'compose') });
} finally {
  await hook.stop();
  await lab.destroy();
  await rm(scratch, { recursive: true, force: true });
}
const text = `${out.join('\n')}\n`;
process.stdout.write(text);
await writeFile(join(import.meta.dirname, 'monitor.last-run.txt'), text);
