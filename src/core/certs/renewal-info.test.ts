import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missedRenewalWindow, parseRenewalInfo } from './renewal-info.ts';

const window = { start: '2026-12-10T00:00:00Z', end: '2026-12-12T00:00:00Z' };

test('a window the CA offers is read, with its explanation', () => {
  const r = parseRenewalInfo(
    `noise\n${JSON.stringify({ offered: true, window, explanationURL: 'https://ca.example/why' })}\n`,
  );
  assert.ok('offered' in r && r.offered);
  assert.equal(r.start.toISOString(), '2026-12-10T00:00:00.000Z');
  assert.equal(r.end.toISOString(), '2026-12-12T00:00:00.000Z');
  assert.equal(r.explanationUrl, 'https://ca.example/why');
});

test('a CA without renewal info, and the probe failing, are said as such', () => {
  assert.deepEqual(parseRenewalInfo('{"offered": false, "reason": "no renewalInfo"}'), {
    offered: false,
    reason: 'no renewalInfo',
  });
  assert.deepEqual(parseRenewalInfo('{"error": "ConnectionError: refused"}'), { error: 'ConnectionError: refused' });
});

test('garbage is an error in words, never a window', () => {
  for (const bad of [
    '',
    'Traceback (most recent call last):',
    '{"offered": true}',
    '{"offered": true, "window": {"start": "soon", "end": "later"}}',
    JSON.stringify({ offered: true, window: { start: window.end, end: window.start } }),
  ]) {
    const r = parseRenewalInfo(bad);
    assert.ok('error' in r, bad);
  }
});

test('a renewal is missed only once the window and the grace are over', () => {
  const info = parseRenewalInfo(JSON.stringify({ offered: true, window }));
  assert.ok(!('error' in info));
  const hour = 3_600_000;
  assert.equal(missedRenewalWindow(info, new Date('2026-12-11T00:00:00Z'), hour), undefined);
  assert.equal(missedRenewalWindow(info, new Date('2026-12-12T00:30:00Z'), hour), undefined);
  assert.match(missedRenewalWindow(info, new Date('2026-12-12T02:00:00Z'), hour) ?? '', /asked for a renewal between/);
  assert.equal(missedRenewalWindow({ offered: false, reason: 'none' }, new Date('2030-01-01'), hour), undefined);
});
