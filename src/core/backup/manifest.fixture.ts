// A valid manifest for unit tests, with only what a test cares about given.
import { MANIFEST_FORMAT } from './manifest.ts';
import type { Manifest } from './manifest.ts';

export function sampleManifest(over: Partial<Manifest> = {}): Manifest {
  return {
    format: MANIFEST_FORMAT,
    id: 'matrix-backup-2026-01-01_000000',
    created_at: '2026-01-01T00:00:00.000Z',
    mxctl_version: '0.1.0',
    server_name: 'example.org',
    synapse_version: '1.160.0',
    schema_version: 94,
    schema_compat_version: 84,
    row_counts: {},
    message_count: 0,
    database: { chunks: [], size: 1, sha256: 'a'.repeat(64), excluded_table_data: [] },
    files: [],
    referenced_files: [],
    ...over,
  };
}
