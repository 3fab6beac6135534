// The CLI as a user meets it, without Docker: help, usage errors, exit codes, a broken .env.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mxctl } from '../lab/lab-stack.ts';

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'mxctl-cli-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

test('--help lists the commands', async () => {
  const r = await mxctl(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['init', 'up', 'down', 'restart', 'logs', 'status', 'admin'])
    assert.match(r.stdout, new RegExp(`\\n  ${c}\\b`));
});

test('an unknown command or flag is a usage error (exit 2)', async () => {
  assert.equal((await mxctl(['frobnicate'])).code, 2);
  const r = await mxctl(['status', '--jsn']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option '--jsn'/);
});

test('no deployment: exit 3, naming where mxctl looked and how it chose', async () => {
  const r = await mxctl(['status'], { dir: base });
  assert.equal(r.code, 3);
  assert.match(r.stderr, new RegExp(`No element-matrix deployment in ${base} \\(chosen by --dir\\)`));
  const viaEnv = await mxctl(['status'], { env: { MXCTL_DIR: base } });
  assert.match(viaEnv.stderr, /chosen by \$MXCTL_DIR/);
});

test('init: an invalid domain is exit 2 and writes nothing', async () => {
  const dir = join(base, 'bad');
  const r = await mxctl(['init', '--domain', 'https://example.org'], { dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Invalid domain "https:\/\/example.org": it looks like a URL/);
  await assert.rejects(readdir(dir));
});

test('init writes a deployment; a changed re-run without --yes shows the diff and exits 3', async () => {
  const dir = join(base, 'd');
  const first = await mxctl(['init', '--domain', 'example.org', '--json'], { dir });
  assert.equal(first.code, 0, first.stderr);
  const report = JSON.parse(first.stdout) as { created: boolean; settings: Record<string, string> };
  assert.equal(report.created, true);
  assert.equal(report.settings['POSTGRES_PASSWORD'], undefined, 'no secret in the report');
  const env = await readFile(join(dir, '.env'), 'utf8');
  const again = await mxctl(['init', '--domain', 'example.org', '--matrix-host', 'hs.example.org'], { dir });
  assert.equal(again.code, 3);
  assert.match(again.stderr, /\+MX_MATRIX_HOST=hs\.example\.org/);
  assert.match(again.stderr, /Nothing was written/);
  assert.equal(await readFile(join(dir, '.env'), 'utf8'), env);
  // (an empty optional secret such as S3_SECRET_ACCESS_KEY= has nothing to redact)
  for (const line of env.split('\n').filter((l) => /SECRET|PASSWORD|PASSPHRASE/.test(l) && /=.+/.test(l))) {
    assert.ok(!again.stderr.includes(line.split('=')[1] ?? 'x'), 'secrets are redacted in the diff');
  }
});

test('a broken .env: exit 3 listing every problem, before Docker is touched', async () => {
  const dir = join(base, 'broken');
  assert.equal((await mxctl(['init', '--domain', 'example.org'], { dir })).code, 0);
  const env = await readFile(join(dir, '.env'), 'utf8');
  await writeFile(
    join(dir, '.env'),
    env.replace(/^MX_MATRIX_HOST=.*$/m, 'MX_MATRIX_HOST=not a host').replace(/^FORM_SECRET=.*$/m, 'FORM_SECRET=short'),
  );
  const r = await mxctl(['status'], { dir, env: { PATH: '/nonexistent' } });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /has 2 problem\(s\)/);
  assert.match(r.stderr, /MX_MATRIX_HOST: not a valid host name/);
  assert.match(r.stderr, /FORM_SECRET: must be at least 256 bits/);
});

test('backup and restore are real commands (the scripts/backup.sh and restore.sh shims call them)', async () => {
  const help = await mxctl(['backup', '--help']);
  assert.equal(help.code, 0);
  for (const sub of ['list', 'verify', 'prune', '--local-only']) assert.match(help.stdout, new RegExp(sub));
  const r = await mxctl(['restore']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing required argument 'BACKUP'/);
});

test('restore-test: a non-loopback or production address, or no backup, is refused before anything is written', async () => {
  const off = await mxctl(['restore-test', '--address', '10.1.2.3']);
  assert.equal(off.code, 2);
  assert.match(off.stderr, /not a loopback IPv4 address/);
  assert.equal((await mxctl(['restore-test', '--port', 'x'])).code, 2);
  const dir = join(base, 'drill');
  assert.equal((await mxctl(['init', '--domain', 'drill.example.org'], { dir })).code, 0);
  const before = (await readdir(dir)).sort();
  const prod = await mxctl(['restore-test', '--address', '127.0.0.1'], { dir });
  assert.equal(prod.code, 2, prod.stderr);
  assert.match(prod.stderr, /production's Synapse address/);
  const none = await mxctl(['restore-test'], { dir });
  assert.equal(none.code, 8, none.stderr);
  assert.match(none.stderr, /No complete backup/);
  assert.deepEqual((await readdir(dir)).sort(), before, 'nothing written: no drills/ folder, no history');
});

test('doctor --log-window: a duration with a unit, more than zero; else exit 2 before anything is read', async () => {
  for (const bad of ['15', '0m', 'soon']) {
    const r = await mxctl(['doctor', '--log-window', bad], { dir: base });
    assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
    assert.match(r.stderr, /--log-window/);
  }
});

test('check: listed in --help; with no deployment exit 3 (not a level: 0/1/2 are ok/warn/critical), nothing written', async () => {
  assert.match((await mxctl(['--help'])).stdout, /\n {2}check\b/);
  const dir = join(base, 'no-deployment-check');
  const r = await mxctl(['check', '--json'], { dir });
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, '');
  await assert.rejects(readdir(dir));
});
