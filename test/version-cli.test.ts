// `mxctl --version`: the version from package.json, and the pins of the deployment found the way
// every command finds it (--dir, $MXCTL_DIR, the current directory). No Docker needed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MXCTL, mxctl, mxctlOk } from '../lab/lab-stack.ts';
import pkg from '../package.json' with { type: 'json' };
import type { VersionReport } from '../src/ops/version.ts';

const exec = promisify(execFile);
let base: string;
let deployment: string;
let empty: string;
const SYNAPSE_PIN = 'docker.io/matrixdotorg/synapse:v1.999.0';

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'mxctl-version-'));
  deployment = join(base, 'd');
  empty = join(base, 'empty');
  await mkdir(empty);
  await mxctlOk(['init', '--domain', 'example.org'], { dir: deployment });
  const env = join(deployment, '.env');
  await writeFile(env, (await readFile(env, 'utf8')).replace(/^SYNAPSE_IMAGE=.*$/m, `SYNAPSE_IMAGE=${SYNAPSE_PIN}`));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

/** mxctl run in `cwd` with MXCTL_DIR unset unless given. */
async function inDir(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const { MXCTL_DIR: _unset, ...clean } = process.env;
  const r = await exec(process.execPath, [MXCTL, ...args], { cwd, env: { ...clean, ...env } });
  return r;
}

test('without a deployment: the version alone, exit 0, nothing on stderr', async () => {
  const r = await inDir(empty, ['--version']);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.split('\n')[0], `mxctl ${pkg.version}`);
  assert.doesNotMatch(r.stdout, /deployment|IMAGE/);
  const json = JSON.parse((await inDir(empty, ['-V', '--json'])).stdout) as VersionReport;
  assert.equal(json.mxctl, pkg.version);
  assert.equal(json.deployment, null);
});

test('with a deployment: each service and the image .env pins it to, however the deployment is found', async () => {
  const byDir = await mxctl(['--version'], { dir: deployment });
  assert.equal(byDir.code, 0, byDir.stderr);
  assert.equal(byDir.stdout.split('\n')[0], `mxctl ${pkg.version}`);
  assert.match(byDir.stdout, new RegExp(`deployment ${deployment} \\(chosen by --dir\\)`));
  assert.match(byDir.stdout, new RegExp(`^synapse +${SYNAPSE_PIN.replaceAll('.', '\\.')}$`, 'm'));
  for (const s of ['postgres', 'element', 'nginx', 'certbot'])
    assert.match(byDir.stdout, new RegExp(`^${s} +\\S+`, 'm'));

  const reports = [
    await inDir(empty, ['--version', '--json', `--dir=${deployment}`]),
    await inDir(empty, ['--version', '--json'], { MXCTL_DIR: deployment }),
    await inDir(deployment, ['--json', '--version']),
  ].map((r) => JSON.parse(r.stdout) as VersionReport);
  assert.deepEqual(
    reports.map((r) => r.deployment?.from),
    ['--dir', '$MXCTL_DIR', 'the current directory'],
  );
  for (const r of reports) {
    assert.equal(r.deployment?.root, deployment);
    assert.equal(r.deployment?.images.synapse, SYNAPSE_PIN);
    assert.equal(
      r.deployment?.images.postgres,
      /^POSTGRES_IMAGE=(.*)$/m.exec(await readFile(join(deployment, '.env'), 'utf8'))?.[1],
    );
  }
});

test('--version with a command is a usage error (exit 2); the command does not run', async () => {
  for (const args of [
    ['--version', 'init', '--domain', 'example.net'],
    ['init', '--domain', 'example.net', '--version'],
  ]) {
    const dir = join(base, `never-${args[0]}`);
    const r = await mxctl(args, { dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--version takes no command/);
    await assert.rejects(readFile(join(dir, '.env')), 'nothing was written');
  }
});
