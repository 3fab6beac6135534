import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completeBackups, forgetOrder, judgePlainDump, repositorySpecProblem, tagsOf } from './repository.ts';

const snap = (id: string, backup: string, part: string, time: string) => ({
  id,
  time,
  tags: [`mxctl-backup=${backup}`, `mxctl-part=${part}`],
});

test('a backup is complete only with its manifest snapshot and both parts it describes', () => {
  const r = completeBackups([
    snap('d1', 'A', 'database', '2026-12-01T03:00:00Z'),
    snap('f1', 'A', 'files', '2026-12-01T03:01:00Z'),
    snap('m1', 'A', 'manifest', '2026-12-01T03:02:00Z'),
    // a run cut short before its manifest
    snap('d2', 'B', 'database', '2026-12-02T03:00:00Z'),
    snap('f2', 'B', 'files', '2026-12-02T03:01:00Z'),
    // a manifest whose files snapshot was forgotten by hand
    snap('d3', 'C', 'database', '2026-12-03T03:00:00Z'),
    snap('m3', 'C', 'manifest', '2026-12-03T03:02:00Z'),
    { id: 'x', time: '2026-12-03T03:00:00Z', tags: ['someone-else'] },
    { id: 'y', time: '2026-12-03T03:00:00Z', tags: null },
  ]);
  assert.deepEqual(
    r.backups.map((b) => b.id),
    ['A'],
  );
  assert.deepEqual(r.incomplete, ['B', 'C']);
  assert.deepEqual(forgetOrder(r.backups[0]!), ['m1', 'd1', 'f1']);
  assert.deepEqual(tagsOf('A', 'files'), ['mxctl-backup=A', 'mxctl-part=files']);
});

test('a plain dump must start and end as pg_dump writes it and not be tiny', () => {
  const head = '--\n-- PostgreSQL database dump\n--\n';
  const end = '\n--\n-- PostgreSQL database dump complete\n--\n';
  assert.deepEqual(judgePlainDump(100_000, head, end), { ok: true });
  assert.equal(judgePlainDump(0, '', '').ok, false);
  assert.equal(judgePlainDump(100_000, 'PGDMP', end).ok, false);
  assert.equal(judgePlainDump(100_000, head, 'COPY public.events (').ok, false);
  assert.equal(judgePlainDump(1000, head, end).ok, false);
});

test('RESTIC_REPOSITORY: local paths, s3: and rclone: only', () => {
  for (const ok of [
    '',
    '/srv/restic',
    's3:http://127.0.0.1:9000/bucket/prefix',
    's3:https://s3.example.org/b',
    'rclone:backup:matrix',
  ])
    assert.equal(repositorySpecProblem(ok), undefined, ok);
  for (const bad of ['relative/path', 'sftp:host:/x', 's3:bucket', 'rclone::x'])
    assert.notEqual(repositorySpecProblem(bad), undefined, bad);
});
