import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildManifest } from './build-manifest.ts';
import type { ManifestSources } from './build-manifest.ts';
import { parseManifest } from './manifest.ts';

const sources = (over: Partial<ManifestSources> = {}): ManifestSources => ({
  id: 'matrix-backup-2026-11-27_030405',
  createdAt: new Date('2026-11-27T03:04:05Z'),
  mxctlVersion: '0.1.0',
  serverName: 'example.org',
  synapseVersion: '1.160.0',
  database: { rows: { rooms: 3 }, messages: 540, schema: { version: 94, compat: 84 } },
  dump: { chunks: ['database/synapse.pgdump.000'], size: 100_000, sha256: 'a'.repeat(64) },
  files: [
    { path: 'synapse', type: 'directory', size: 0, mode: 0o755 },
    { path: 'synapse/example.org.signing.key', type: 'file', size: 60, mode: 0o600, sha256: 'b'.repeat(64) },
    { path: 'synapse/example.org.log.config', type: 'file', size: 60, mode: 0o644, sha256: 'c'.repeat(64) },
  ],
  referencedPaths: ['/data/example.org.log.config', '/etc/elsewhere.yaml'],
  ...over,
});

test('a manifest that parses back, with the facts it was given', () => {
  const r = buildManifest(sources());
  assert.ok(r.ok);
  const parsed = parseManifest(JSON.stringify(r.manifest));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  assert.equal(r.manifest.created_at, '2026-11-27T03:04:05.000Z');
  assert.equal(r.manifest.schema_version, 94);
  assert.deepEqual(r.manifest.database.excluded_table_data, ['e2e_one_time_keys_json']);
  assert.equal(r.manifest.archive, undefined, 'the archive is only known once written (the sidecar)');
});

test('referenced files: inside the deployment they are mapped, outside they are a warning', () => {
  const r = buildManifest(sources());
  assert.ok(r.ok);
  assert.deepEqual(r.manifest.referenced_files, [
    { config_path: '/data/example.org.log.config', backed_up_as: 'synapse/example.org.log.config' },
    { config_path: '/etc/elsewhere.yaml' },
  ]);
  assert.deepEqual(r.warnings, [
    'homeserver.yaml names /etc/elsewhere.yaml, which is not in the deployment folder: back it up separately.',
  ]);
});

test('no signing key: no backup', () => {
  const r = buildManifest(sources({ files: [{ path: 'synapse', type: 'directory', size: 0, mode: 0o755 }] }));
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /signing key is missing/);
});
