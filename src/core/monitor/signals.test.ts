import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { judgeChannels, judgeDelivery, judgeJob } from './signals.ts';
import type { Channel } from '../alerts/channels.ts';

const now = new Date('2026-12-07T12:00:00Z');
const ago = (min: number) => now.getTime() - min * 60_000;
const room: Channel = { kind: 'matrix', room: '!a:example.org' };
const ntfy: Channel = { kind: 'ntfy', url: 'https://ntfy.sh/secret', token: '' };

describe("the monitor's own signals", () => {
  it('delivery: ok when nothing is owed or only just decided; warn when late; critical after an hour', () => {
    assert.equal(judgeDelivery([], now).level, 'ok');
    assert.equal(judgeDelivery([{ channel: 'ntfy', createdAt: ago(1), lastError: null }], now).level, 'ok');
    const late = judgeDelivery(
      [
        { channel: 'webhook', createdAt: ago(10), lastError: 'webhook (h:1, json) answered HTTP 503' },
        { channel: 'ntfy', createdAt: ago(2), lastError: null },
      ],
      now,
    );
    assert.equal(late.level, 'warn');
    assert.equal(late.value, 2);
    assert.match(late.summary, /owed on ntfy, webhook, the oldest for 10 min/);
    assert.match(late.evidence, /HTTP 503/);
    assert.equal(judgeDelivery([{ channel: 'email', createdAt: ago(61), lastError: null }], now).level, 'critical');
  });

  it('channels: only the Matrix room warns (in-band); none, or an out-of-band one, does not', () => {
    assert.equal(judgeChannels([room]).level, 'warn');
    assert.match(judgeChannels([room]).summary, /cannot report this server down/);
    assert.equal(judgeChannels([room, ntfy]).level, 'ok');
    assert.equal(judgeChannels([]).level, 'ok');
    assert.doesNotMatch(JSON.stringify(judgeChannels([room, ntfy])), /secret/);
  });

  it('a scheduled job: absent until it ran; a failure warns with its reason', () => {
    assert.equal(judgeJob('backup', undefined), undefined);
    assert.equal(judgeJob('backup', { at: 'x', ok: true })?.level, 'ok');
    const failed = judgeJob('restore_test', { at: 'x', ok: false, error: 'E_RESTORE_TEST_FAILED: no backup' });
    assert.equal(failed?.id, 'monitor.job.restore_test');
    assert.equal(failed?.level, 'warn');
    assert.match(failed?.evidence ?? '', /no backup/);
  });
});
