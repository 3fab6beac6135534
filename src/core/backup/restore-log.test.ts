import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeRestoreLog } from './restore-log.ts';

const line = (level: string, msg: string) => `2026-12-02 17:00:00,000 - synapse.x - 42 - ${level} - GET-1 - ${msg}`;

test('a clean log passes', () => {
  assert.deepEqual(judgeRestoreLog([line('INFO', 'ok'), line('WARNING', 'meh')].join('\n')), {
    ok: true,
    detail: 'none',
  });
});

test('an ERROR line fails, naming the first one', () => {
  const v = judgeRestoreLog([line('INFO', 'ok'), line('ERROR', 'boom'), line('CRITICAL', 'worse')].join('\n'));
  assert.equal(v.ok, false);
  assert.match(v.detail, /^2 line\(s\), first: .*boom/);
});

test("clients' tokens from the future after a restore are counted, not failed on", () => {
  const future = line('ERROR', "Bounding token from the future 'room_key': token: 12, bound: 9");
  const v = judgeRestoreLog([future, future].join('\n'));
  assert.equal(v.ok, true);
  assert.match(v.detail, /2 "token from the future" line/);
  assert.equal(judgeRestoreLog([future, line('ERROR', 'boom')].join('\n')).ok, false);
});
