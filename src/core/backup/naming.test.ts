import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  archiveName,
  backupId,
  backupTime,
  dbChunkName,
  isBackupId,
  manifestName,
  parseBackupFileName,
} from './naming.ts';

test('ids are UTC timestamps that sort by time, with an optional tag', () => {
  const at = new Date(Date.UTC(2026, 10, 27, 3, 4, 5));
  assert.equal(backupId(at), 'matrix-backup-2026-11-27_030405');
  assert.equal(backupId(at, 'pre-restore'), 'matrix-backup-2026-11-27_030405-pre-restore');
  assert.equal(backupTime('matrix-backup-2026-11-27_030405-pre-restore')?.toISOString(), '2026-11-27T03:04:05.000Z');
  assert.ok(backupId(at) < backupId(new Date(at.getTime() + 1000)));
});

test('file names parse back to the id and the kind; anything else is not a backup', () => {
  const id = 'matrix-backup-2026-11-27_030405';
  assert.deepEqual(parseBackupFileName(archiveName(id)), { id, kind: 'archive' });
  assert.deepEqual(parseBackupFileName(manifestName(id)), { id, kind: 'manifest' });
  assert.equal(parseBackupFileName(`.${archiveName(id)}.partial`), undefined);
  assert.equal(parseBackupFileName('notes.txt'), undefined);
  assert.equal(isBackupId('matrix-backup-2026-11-27_0304'), false);
  assert.equal(isBackupId('../matrix-backup-2026-11-27_030405'), false);
});

test('dump chunks sort in order (zero-padded), so `cat database/synapse.pgdump.*` rebuilds the dump', () => {
  const names = [10, 2, 1].map(dbChunkName).sort();
  assert.deepEqual(names, [dbChunkName(1), dbChunkName(2), dbChunkName(10)]);
});
