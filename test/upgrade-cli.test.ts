// `mxctl upgrade` as a user meets it, without Docker or a registry: what is not built yet says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mxctl } from '../lab/lab-stack.ts';

test('upgrade without --check or --plan says applying is not implemented yet (exit 2) and touches nothing', async () => {
  const r = await mxctl(['upgrade', 'synapse'], { dir: '/nonexistent' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Applying an upgrade is not implemented yet/);
  assert.match(r.stderr, /mxctl upgrade --check/);
});

test('upgrade --check with an unknown service is a usage error naming the services', async () => {
  const r = await mxctl(['upgrade', '--check', 'synapse', 'redis'], { dir: '/nonexistent' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unknown service "redis"/);
  assert.match(r.stderr, /postgres, synapse, element, nginx, certbot/);
});

test('upgrade --plan with an unknown service is a usage error before anything is read', async () => {
  const r = await mxctl(['upgrade', '--plan', 'redis', '--to', '1.0'], { dir: '/nonexistent' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unknown service "redis"/);
});

test('upgrade --help lists --check, --plan, --to and --accept-notes', async () => {
  const r = await mxctl(['upgrade', '--help']);
  assert.equal(r.code, 0);
  for (const flag of ['--check', '--plan', '--to <TAG>', '--accept-notes']) assert.ok(r.stdout.includes(flag), flag);
});
