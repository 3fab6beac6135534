// `mxctl upgrade` as a user meets it, without Docker or a registry: what is not built yet says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mxctl } from '../lab/lab-stack.ts';

test('upgrade without --check says upgrading is not implemented yet (exit 2) and touches nothing', async () => {
  const r = await mxctl(['upgrade', 'synapse'], { dir: '/nonexistent' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Upgrading is not implemented yet/);
  assert.match(r.stderr, /mxctl upgrade --check/);
});

test('upgrade --check with an unknown service is a usage error naming the services', async () => {
  const r = await mxctl(['upgrade', '--check', 'synapse', 'redis'], { dir: '/nonexistent' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unknown service "redis"/);
  assert.match(r.stderr, /postgres, synapse, element, nginx, certbot/);
});

test('upgrade --help lists --check', async () => {
  const r = await mxctl(['upgrade', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--check/);
});
