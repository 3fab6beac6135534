import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeDisk, judgeMemory, judgeConnections, groupLogErrors } from './rules.ts';
import { worst } from './finding.ts';

test('disk: warn at 80 %, fail at 90 %', () => {
  assert.equal(judgeDisk('d', 'media', 0.5, []).status, 'ok');
  assert.equal(judgeDisk('d', 'media', 0.8, []).status, 'warn');
  assert.equal(judgeDisk('d', 'media', 0.95, []).status, 'fail');
});

test('memory: the runbook 2 GB trigger', () => {
  assert.equal(judgeMemory('m', 500 * 1024 ** 2, undefined).status, 'ok');
  const high = judgeMemory('m', 3 * 1024 ** 3, 0.5);
  assert.equal(high.status, 'warn');
  assert.match(high.fix ?? '', /global_factor/);
});

test('connections: exhausted slots fail and name the holders', () => {
  const f = judgeConnections('db', {
    total: 97,
    maxConnections: 100,
    reserved: 3,
    synapse: 5,
    cpMax: 10,
    holders: ['psql (intruder) × 92'],
  });
  assert.equal(f.status, 'fail');
  assert.ok(f.evidence.includes('psql (intruder) × 92'));
  assert.equal(
    judgeConnections('db', { total: 8, maxConnections: 100, reserved: 3, synapse: 5, cpMax: 10, holders: [] }).status,
    'ok',
  );
});

test('log errors are grouped by logger and message shape', () => {
  const lines = [
    '2026-11-27 10:00:00,001 - synapse.http.server - 123 - ERROR - GET-1 - Failed handle request for !abc:lab.test after 30 s',
    '2026-11-27 10:00:01,001 - synapse.http.server - 123 - ERROR - GET-2 - Failed handle request for !def:lab.test after 31 s',
    '2026-11-27 10:00:02,001 - synapse.storage - 9 - CRITICAL - - Database gone',
    '2026-11-27 10:00:03,001 - synapse.storage - 9 - INFO - - fine',
  ];
  const g = groupLogErrors(lines);
  assert.equal(g.length, 2);
  assert.deepEqual(g[0], {
    level: 'ERROR',
    logger: 'synapse.http.server',
    message: 'Failed handle request for <id> after N s',
    count: 2,
  });
  assert.equal(g[1]?.level, 'CRITICAL');
});

test('worst of findings', () => {
  assert.equal(worst([]), 'ok');
  assert.equal(worst([judgeDisk('d', 'm', 0.5, []), judgeDisk('d', 'm', 0.85, [])]), 'warn');
  assert.equal(worst([judgeDisk('d', 'm', 0.95, []), judgeDisk('d', 'm', 0.85, [])]), 'fail');
});
