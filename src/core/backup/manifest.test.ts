import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeDump, mediaIdOf, parseManifest, MANIFEST_FORMAT } from './manifest.ts';
import { imageSchemaVersion, judgeSchema } from './schema-compat.ts';

test('a 0-byte, headerless or tiny dump is not a backup', () => {
  assert.deepEqual(judgeDump(0, Buffer.alloc(0)), { ok: false, reason: 'pg_dump produced 0 bytes' });
  assert.equal(judgeDump(1_000_000, Buffer.from('hello')).ok, false);
  assert.equal(judgeDump(100, Buffer.from('PGDMP\x01\x0f')).ok, false);
  assert.equal(judgeDump(1_000_000, Buffer.from('PGDMP\x01\x0f')).ok, true);
});

test('media ids come from local_content paths only', () => {
  assert.equal(mediaIdOf('synapse/media_store/local_content/ab/cd/efghijklmnopqrstuvwx'), 'abcdefghijklmnopqrstuvwx');
  assert.equal(mediaIdOf('synapse/media_store/local_thumbnails/ab/cd/efgh/32-32-image-png-crop'), undefined);
});

test('a manifest with unknown or missing fields is rejected with the field named', () => {
  const ok = {
    format: MANIFEST_FORMAT,
    id: 'matrix-backup-2026-11-27_030405',
    created_at: 'x',
    mxctl_version: '0.1.0',
    server_name: 'example.org',
    synapse_version: '1.160.0',
    schema_version: 94,
    schema_compat_version: 84,
    row_counts: { users: 3 },
    message_count: 5,
    database: {
      chunks: ['database/synapse.pgdump.00000'],
      size: 10,
      sha256: 'a'.repeat(64),
      excluded_table_data: ['e2e_one_time_keys_json'],
    },
    files: [{ path: '.env', type: 'file', size: 1, mode: 384, sha256: 'b'.repeat(64) }],
    referenced_files: [],
  };
  assert.equal(parseManifest(JSON.stringify(ok)).ok, true);
  const bad = parseManifest(JSON.stringify({ ...ok, surprise: 1, schema_version: 'x' }));
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.error, /schema_version/);
  assert.equal(parseManifest('{').ok, false);
});

test('schema: a database newer than the pinned image understands is refused', () => {
  assert.equal(imageSchemaVersion('docker.io/matrixdotorg/synapse:v1.160.0'), 94);
  assert.equal(imageSchemaVersion('docker.io/matrixdotorg/synapse:v1.145.2'), 93);
  assert.equal(imageSchemaVersion('synapse:latest'), undefined);
  assert.equal(judgeSchema({ version: 94, compat: 84 }, 'x/synapse:v1.160.0').ok, true);
  assert.equal(judgeSchema({ version: 95, compat: 95 }, 'x/synapse:v1.160.0').ok, false);
  assert.equal(judgeSchema({ version: 94, compat: 94 }, 'x/synapse:v1.145.0').ok, false);
});
