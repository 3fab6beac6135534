import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notesCrossed, SYNAPSE_UPGRADE_NOTES } from './notes.ts';

const versions = (xs: readonly { version: string }[]): string[] => xs.map((x) => x.version);

test('keeps the notes in (current, target], oldest first', () => {
  assert.deepEqual(versions(notesCrossed('v1.140.0', 'v1.157.0')), ['1.141.0', '1.143.0', '1.152.0', '1.157.0']);
  assert.deepEqual(versions(notesCrossed('1.141.0', '1.143.0')), ['1.143.0']);
  assert.deepEqual(notesCrossed('1.157.0', '1.161.0'), []);
  assert.deepEqual(notesCrossed('1.160.0', '1.160.1'), []);
});

test('a validated version covers the notes up to it', () => {
  assert.deepEqual(versions(notesCrossed('1.135.0', '1.157.0', { validated: '1.152.0' })), ['1.157.0']);
  assert.deepEqual(notesCrossed('1.135.0', '1.157.0', { validated: 'v1.160.0' }), []);
});

test('an unversioned tag crosses everything it cannot rule out', () => {
  assert.equal(notesCrossed('latest', '1.160.0').length, SYNAPSE_UPGRADE_NOTES.length);
});

test('links point at upgrade.md anchors', () => {
  assert.match(SYNAPSE_UPGRADE_NOTES[0]?.link ?? '', /upgrade\.html#upgrading-to-v11570$/);
});
