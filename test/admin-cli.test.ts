// The administration commands as a user meets them without a running stack: no admin token yet,
// Synapse not running, usage errors. Nothing here needs Docker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mxctl } from '../lab/lab-stack.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let base: string;
let dir: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'mxctl-admin-cli-'));
  dir = join(base, 'd');
  const r = await mxctl(['init', '--domain', 'example.org'], { dir });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

test('--help lists the administration commands', async () => {
  const r = await mxctl(['--help']);
  for (const c of [
    'tokens',
    'users',
    'rooms',
    'purge-history',
    'media',
    'reports',
    'notice',
    'abuse',
    'federation',
    'background-updates',
  ]) {
    assert.match(r.stdout, new RegExp(`\\n  ${c}\\b`), c);
  }
});

test('no admin token yet: exit 5 with the fix', async () => {
  const r = await mxctl(['rooms', 'list'], { dir });
  assert.equal(r.code, 5);
  assert.match(r.stderr, /no admin token/);
  assert.match(r.stderr, /mxctl admin init/);
});

test('Synapse not running: exit 5, naming the address and the next step; the token is never shown', async () => {
  const token = 'syt_bm90cmVhbA_secretsecret_000000';
  await mkdir(join(dir, 'state'), { recursive: true });
  await writeFile(
    join(dir, 'state', 'admin.json'),
    JSON.stringify({
      user_id: '@admin:example.org',
      access_token: token,
      device_id: 'D',
      password: 'p',
      created_at: 'now',
    }),
    { mode: 0o600 },
  );
  // NOTE: a lab on this machine may hold the default 127.0.0.1:8008, so move the deployment's
  // Synapse to a port nobody listens on.
  const port = await freePort();
  const envFile = join(dir, '.env');
  await writeFile(
    envFile,
    (await readFile(envFile, 'utf8')).replace(/^SYNAPSE_LOCAL_PORT=.*$/m, `SYNAPSE_LOCAL_PORT=${port}`),
    { mode: 0o600 },
  );
  const r = await mxctl(['users', 'deactivate', '@bob:example.org', '--yes'], { dir });
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port} did not answer: connection refused`));
  assert.match(r.stderr, /mxctl status/);
  assert.ok(!r.stderr.includes(token) && !r.stdout.includes(token));
});

test('malformed input fails before any request (exit 2)', async () => {
  for (const args of [
    ['users', 'deactivate', 'not a user', '--yes'],
    ['rooms', 'show', 'general'],
    ['purge-history', '!abc:example.org', '--older-than', '90'],
    ['purge-history', '!abc:example.org', '--before', '2999-01-01', '--yes'],
    ['purge-history', '--older-than', '1d'],
    ['federation', 'block', 'example.org', '--yes'],
    ['tokens', 'create', '--expires', 'tomorrow'],
    ['media', 'delete', 'https://example.org/x', '--yes'],
  ]) {
    const r = await mxctl(args, { dir });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^mxctl: /);
  }
});
