import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseExpiry, parseInstant, resolveCutoff } from './duration.ts';
import { isMxError } from '../errors.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-27T12:00:00Z');

describe('durations and cut-offs', () => {
  it('parses the units admins type', () => {
    assert.equal(parseDuration('90d'), 90 * DAY);
    assert.equal(parseDuration('7d'), 7 * DAY);
    assert.equal(parseDuration('2w'), 14 * DAY);
    assert.equal(parseDuration('12h'), 12 * 3_600_000);
    assert.equal(parseDuration('30m'), 30 * 60_000);
    assert.equal(parseDuration('45s'), 45_000);
  });

  it('refuses bare numbers, negative and unknown units', () => {
    for (const bad of ['90', '-1d', '7y', 'd', '1.5d', '', '7 days']) {
      assert.throws(
        () => parseDuration(bad),
        (e) => isMxError(e, 'E_INVALID_INPUT'),
        bad,
      );
    }
  });

  it('expiry: never, a duration from now, or a future date', () => {
    assert.equal(parseExpiry('never', NOW), null);
    assert.equal(parseExpiry('7d', NOW), NOW + 7 * DAY);
    assert.equal(parseExpiry('2027-01-01T00:00:00Z', NOW), Date.parse('2027-01-01T00:00:00Z'));
    assert.throws(
      () => parseExpiry('2020-01-01', NOW),
      (e) => isMxError(e, 'E_INVALID_INPUT'),
    );
  });

  it('instants: ISO dates and epoch milliseconds', () => {
    assert.equal(parseInstant('1764244800000'), 1764244800000);
    assert.equal(parseInstant('2026-01-31T00:00:00Z'), Date.parse('2026-01-31T00:00:00Z'));
    assert.throws(
      () => parseInstant('yesterday'),
      (e) => isMxError(e, 'E_INVALID_INPUT'),
    );
  });

  it('cut-off: exactly one of --older-than / --before, never in the future', () => {
    assert.equal(resolveCutoff({ olderThan: '90d' }, NOW), NOW - 90 * DAY);
    assert.equal(resolveCutoff({ before: '2026-01-01T00:00:00Z' }, NOW), Date.parse('2026-01-01T00:00:00Z'));
    assert.throws(
      () => resolveCutoff({ before: '2027-01-01' }, NOW),
      (e) => isMxError(e, 'E_INVALID_INPUT') && /future/.test(e.message),
    );
    assert.throws(
      () => resolveCutoff({}, NOW),
      (e) => isMxError(e, 'E_USAGE'),
    );
    assert.throws(
      () => resolveCutoff({ olderThan: '1d', before: '2026-01-01' }, NOW),
      (e) => isMxError(e, 'E_USAGE'),
    );
    assert.throws(
      () => resolveCutoff({ olderThan: '0d' }, NOW),
      (e) => isMxError(e, 'E_INVALID_INPUT'),
    );
  });
});
