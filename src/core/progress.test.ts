import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, renderBar } from './progress.ts';

describe('progress', () => {
  it('formats byte counts in binary units', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(3 * 1024 ** 3), '3.0 GiB');
    assert.equal(formatBytes(250 * 1024 ** 2), '250 MiB');
  });

  it('draws a bar with percentage, amounts, rate and ETA when the total is known', () => {
    const line = renderBar({
      label: 'decrypting',
      done: 512 * 1024 ** 2,
      total: 2048 * 1024 ** 2,
      bytesPerSecond: 100 * 1024 ** 2,
      width: 100,
    });
    assert.match(line, /^decrypting \[#{5,}-{10,}\] +25% {2}512 MiB \/ 2\.0 GiB {2}100 MiB\/s {2}ETA 16 s$/);
    assert.ok(line.length <= 100);
  });

  it('shows amount and rate alone when the total is unknown, and never overflows the terminal', () => {
    assert.equal(
      renderBar({ label: 'dumping', done: 10 * 1024 ** 2, bytesPerSecond: 0, width: 80 }),
      'dumping  10 MiB',
    );
    const narrow = renderBar({ label: 'decrypting', done: 1, total: 2, bytesPerSecond: 5, width: 30 });
    assert.ok(narrow.length <= 30, narrow);
  });

  it('clamps a done count past the total at 100 % and drops the ETA', () => {
    const line = renderBar({ label: 'x', done: 110, total: 100, bytesPerSecond: 10, width: 100 });
    assert.match(line, /100%/);
    assert.doesNotMatch(line, /ETA/);
  });
});
