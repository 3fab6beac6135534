// Benchmark: how long Synapse's client API is unavailable during an upgrade, `mxctl upgrade`
// against the runbook's manual sequence (edit the pin; `docker compose pull synapse && docker
// compose up -d synapse`), on one lab with a real registry, in the same invocation. Both are
// watched the same way: a loop in this process polling `/_matrix/client/versions` on Synapse's
// loopback port every 200 ms (src/ops/upgrade/downtime.ts). Each round upgrades 1.160.0 →
// 1.160.1 and goes back (not measured). mxctl's backup, verify and gate are outside the window
// by design; its whole run time is printed beside. Not a test: nothing here asserts a time.
//   node bench/upgrade-downtime.ts [--rounds 3]
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startLab } from '../lab/harness.ts';
import type { Lab } from '../lab/harness.ts';
import { LAB_SYNAPSE_REPO, pinLabImage, pushLabSynapse, startRegistry, untagPushed } from '../lab/registry.ts';
import type { LabRegistry } from '../lab/registry.ts';
import { systemClock } from '../src/adapters/clock.ts';
import { SynapseClient } from '../src/adapters/synapse.ts';
import { writeFileAtomic } from '../src/adapters/fs.ts';
import type { Journal } from '../src/core/upgrade/journal.ts';
import type { UpgradeReport } from '../src/ops/upgrade/apply.ts';
import { watchClientApi } from '../src/ops/upgrade/downtime.ts';

const exec = promisify(execFile);
const { values: flags } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const ROUNDS = Number(flags.rounds);

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

interface Round {
  manualS: number;
  mxctlS: number;
  mxctlReportedS: number;
  mxctlRunS: number;
}

async function setPin(lab: Lab, pin: string): Promise<void> {
  const env = join(lab.dir, '.env');
  const text = await readFile(env, 'utf8');
  await writeFileAtomic(env, text.replace(/^SYNAPSE_IMAGE=.*$/m, `SYNAPSE_IMAGE=${pin}`), 0o600);
}

async function answers(synapse: SynapseClient): Promise<void> {
  for (;;) {
    if (
      await synapse.call('GET', '/_matrix/client/versions').then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The runbook's way: move the pin, pull, up -d; watched until the client API answers again. */
async function manualUpgrade(lab: Lab, synapse: SynapseClient, pin: string): Promise<number> {
  await setPin(lab, pin);
  const cwd = join(lab.dir, 'compose');
  const watch = watchClientApi({ synapse, clock: systemClock });
  await exec('docker', ['compose', 'pull', 'synapse'], { cwd });
  await exec('docker', ['compose', 'up', '-d', 'synapse'], { cwd });
  // NOTE: up -d returns once the container started; the outage ends when Synapse answers.
  await new Promise((r) => setTimeout(r, 1000));
  await answers(synapse);
  return (await watch.stop()).unavailableSeconds;
}

async function mxctlUpgrade(lab: Lab, synapse: SynapseClient, tag: string): Promise<Omit<Round, 'manualS'>> {
  const watch = watchClientApi({ synapse, clock: systemClock });
  const r = await lab.mxctl(['upgrade', 'synapse', '--to', tag, '--accept-notes', '--yes', '--json']);
  const outage = await watch.stop();
  if (r.code !== 0) throw new Error(`mxctl upgrade failed (${r.code}): ${r.stderr}`);
  const report = JSON.parse(r.stdout) as UpgradeReport;
  return {
    mxctlS: outage.unavailableSeconds,
    mxctlReportedS: report.services[0]?.clientApiUnavailableSeconds ?? NaN,
    mxctlRunS: report.seconds,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const lab = await startLab();
  let registry: LabRegistry | undefined;
  try {
    registry = await startRegistry({ address: lab.address });
    await pushLabSynapse(registry.host, ['1.160.0', '1.160.1']);
    const from = `${registry.host}/${LAB_SYNAPSE_REPO}:1.160.0`;
    const to = `${registry.host}/${LAB_SYNAPSE_REPO}:1.160.1`;
    await pinLabImage(lab.dir, lab.address, 'synapse', from);
    const up = await lab.mxctl(['up']);
    if (up.code !== 0) throw new Error(up.stderr);
    const synapse = new SynapseClient({ baseUrl: `http://${lab.address}:${lab.settings.SYNAPSE_LOCAL_PORT}` });
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const manualS = await manualUpgrade(lab, synapse, to);
      log(`round ${i + 1}: manual ${manualS} s`);
      await setPin(lab, from);
      await exec('docker', ['compose', 'up', '-d', 'synapse'], { cwd: join(lab.dir, 'compose') });
      await new Promise((r) => setTimeout(r, 1000));
      await answers(synapse);
      const m = await mxctlUpgrade(lab, synapse, '1.160.1');
      log(`round ${i + 1}: mxctl ${m.mxctlS} s (its report: ${m.mxctlReportedS} s; whole run ${m.mxctlRunS} s)`);
      rounds.push({ manualS, ...m });
      const back = await lab.mxctl(['rollback', '--yes', '--json']);
      if (back.code !== 0) throw new Error(`mxctl rollback failed (${back.code}): ${back.stderr}`);
    }
    const manual = median(rounds.map((r) => r.manualS));
    const mx = median(rounds.map((r) => r.mxctlS));
    const lines = [
      `upgrade downtime (client API unavailable), Synapse 1.160.0 -> 1.160.1, lab on ${lab.address}, ${new Date().toISOString()}`,
      `rounds: ${ROUNDS}; polled every 200 ms on Synapse's loopback port`,
      ...rounds.map(
        (r, i) =>
          `  round ${i + 1}: manual ${r.manualS} s | mxctl ${r.mxctlS} s (reported ${r.mxctlReportedS} s, whole run ${r.mxctlRunS.toFixed(1)} s)`,
      ),
      `median: manual ${manual} s, mxctl ${mx} s; mxctl - manual = ${(mx - manual).toFixed(1)} s (target <= +5 s); ratio ${(mx / manual).toFixed(2)}x`,
      `mxctl's whole run (plan, backup, verify, pull, recreate, gate): median ${median(rounds.map((r) => r.mxctlRunS)).toFixed(1)} s, outside the window but ${mx} s`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    await writeFile(join(import.meta.dirname, 'upgrade-downtime.last-run.txt'), `${lines.join('\n')}\n`);
  } finally {
    const kept = await readFile(join(lab.dir, 'state', 'upgrades.json'), 'utf8').then(
      (t) =>
        (JSON.parse(t) as Journal).entries.flatMap((e) => (e.rollbackImage === undefined ? [] : [e.rollbackImage])),
      () => [],
    );
    if (kept.length > 0) await exec('docker', ['image', 'rm', '--no-prune', ...kept]).catch(() => undefined);
    await registry?.stop().catch(() => undefined);
    if (registry !== undefined) await untagPushed(registry.host, LAB_SYNAPSE_REPO, ['1.160.0', '1.160.1']);
    await lab.destroy().catch((e: unknown) => log(`lab teardown: ${String(e)}`));
  }
}

await main();
