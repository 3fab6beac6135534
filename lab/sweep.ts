// `npm run lab:sweep`: remove the test labs that no run owns any more.
//
// WHY: lab containers keep the production `restart: unless-stopped`, so a lab left by a killed
// test run comes back each time dockerd starts — on a CI machine whose Docker state survives
// between runs it did, and squatted slot 127.0.0.2 for the whole run (CPU and memory taken from
// the tests on a 2-core machine). A lab project is ours by its name (`mx-labN-test`, N ≥ 2: slot 1
// is `npm run lab`'s, never touched here) and orphaned when its slot lock is free. Receivers
// (`mxlab-ntfy-*`, `mxlab-smtp-*`) are removed only when stopped: a running one may be a live
// test's whose lab sits on a locked slot.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LAB_SLOTS, tryLockSlot } from './lab-stack.ts';

const exec = promisify(execFile);
const labProject = /^mx-lab(\d+)-test$/;

async function lines(args: string[]): Promise<string[]> {
  const r = await exec('docker', args);
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

async function sweepProject(project: string): Promise<void> {
  const label = `label=com.docker.compose.project=${project}`;
  const containers = await lines(['ps', '-aq', '--filter', label]);
  if (containers.length > 0) await exec('docker', ['rm', '-f', '--volumes', ...containers]);
  const volumes = await lines(['volume', 'ls', '-q', '--filter', label]);
  if (volumes.length > 0) await exec('docker', ['volume', 'rm', '-f', ...volumes]);
  const networks = await lines(['network', 'ls', '-q', '--filter', label]);
  if (networks.length > 0) await exec('docker', ['network', 'rm', ...networks]).catch(() => undefined);
  process.stderr.write(`lab:sweep: removed ${project} (${containers.length} containers, ${volumes.length} volumes)\n`);
}

async function sweepOrphanLabs(): Promise<number> {
  const projects = new Set(await lines(['ps', '-a', '--format', '{{.Label "com.docker.compose.project"}}']));
  let swept = 0;
  for (const project of projects) {
    const n = Number(labProject.exec(project)?.[1] ?? 0);
    if (n < LAB_SLOTS.first) continue;
    const release = await tryLockSlot(n);
    if (release === undefined) continue; // a live run holds it
    try {
      await sweepProject(project);
      swept++;
    } finally {
      await release();
    }
  }
  const stopped = await lines([
    'ps',
    '-a',
    '--filter',
    'status=exited',
    '--filter',
    'status=created',
    '--format',
    '{{.Names}}',
  ]);
  const receivers = stopped.filter((name) => /^mxlab-(ntfy|smtp)-/.test(name));
  if (receivers.length > 0) await exec('docker', ['rm', '-f', ...receivers]);
  return swept + receivers.length;
}

const n = await sweepOrphanLabs();
process.stderr.write(`lab:sweep: ${n === 0 ? 'nothing left behind' : `${n} removed`}\n`);
