// `mxctl upgrade` and `mxctl rollback` as a user meets them, without Docker or a registry: bad
// flags are refused before anything is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mxctl } from '../lab/lab-stack.ts';

test('upgrade (applying) with an unknown service is a usage error before the deployment is read', async () => {
  const r = await mxctl(['upgrade', 'redis', '--yes'], { dir: '/nonexistent' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unknown service "redis"/);
});

test('upgrade --check --plan together is a usage error', async () => {
  const r = await mxctl(['upgrade', '--check', '--plan'], { dir: '/nonexistent' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--check and --plan/);
});

test('upgrade --gate-timeout must be a whole number', async () => {
  const r = await mxctl(['upgrade', '--gate-timeout', 'soon'], { dir: '/nonexistent' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /must be a whole number/);
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

test('upgrade --help lists its flags and the history subcommand; rollback --help its own', async () => {
  const r = await mxctl(['upgrade', '--help']);
  assert.equal(r.code, 0);
  for (const flag of [
    '--check',
    '--plan',
    '--to <TAG>',
    '--accept-notes',
    '--gate-timeout <SECONDS>',
    '--yes',
    'history',
    'volumes',
    'remove-old-volume',
  ])
    assert.ok(r.stdout.includes(flag), flag);
  const rb = await mxctl(['rollback', '--help']);
  assert.equal(rb.code, 0);
  for (const flag of ['--to <ID>', '--yes', '--json']) assert.ok(rb.stdout.includes(flag), flag);
});

test('upgrade remove-old-volume needs the volume named', async () => {
  const r = await mxctl(['upgrade', 'remove-old-volume'], { dir: '/nonexistent' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing required argument 'NAME'/);
});
