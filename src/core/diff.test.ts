import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unifiedDiff, redact } from './diff.ts';

test('no diff for equal text', () => {
  assert.equal(unifiedDiff('a\nb\n', 'a\nb\n', 'f'), '');
});

test('shows changed lines with context', () => {
  const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].join('\n');
  const after = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', '11'].join('\n');
  const d = unifiedDiff(before, after, 'x.conf');
  assert.match(d, /^--- x.conf \(on disk\)\n\+\+\+ x.conf \(mxctl init\)\n/);
  assert.match(d, /\n-5\n\+five\n/);
  assert.match(d, /\n\+11\n/);
  assert.ok(!d.includes('\n 1\n'), 'far context is left out');
});

test('a new file is all additions', () => {
  assert.match(unifiedDiff('', 'a\nb', 'n'), /\n\+a\n\+b\n/);
});

test('redact replaces every secret occurrence', () => {
  assert.equal(redact('pw=SECRETVALUE1 again SECRETVALUE1', ['SECRETVALUE1']), 'pw=REDACTED again REDACTED');
});
