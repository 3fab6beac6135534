// What `mxctl status` counts as a working service (the rest of status is judged in the lab).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isServiceOk } from './stack.ts';

test('a service is ok when running and not unhealthy: starting (first check not run yet) passes', () => {
  assert.equal(isServiceOk({ state: 'running', health: 'healthy' }), true);
  assert.equal(isServiceOk({ state: 'running', health: '' }), true, 'no healthcheck');
  assert.equal(isServiceOk({ state: 'running', health: 'starting' }), true);
  assert.equal(isServiceOk({ state: 'running', health: 'unhealthy' }), false);
  assert.equal(isServiceOk({ state: 'exited', health: '' }), false);
  assert.equal(isServiceOk({ state: 'restarting', health: 'starting' }), false);
});
