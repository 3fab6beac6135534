// The manifest of a new backup, from what was dumped and archived. Pure: the backup engine
// hands it the facts, it decides what the manifest says and whether a backup may be written.
import { MANIFEST_FORMAT } from './manifest.ts';
import type { Manifest, ManifestFile } from './manifest.ts';
import { hostPathOf } from './file-selection.ts';

export interface ManifestSources {
  id: string;
  createdAt: Date;
  mxctlVersion: string;
  serverName: string;
  synapseVersion: string;
  /** Counts and schema taken just before the dump. */
  database: { rows: Record<string, number>; messages: number; schema: { version: number; compat: number } };
  dump: { chunks: string[]; size: number; sha256: string };
  files: ManifestFile[];
  /** The container paths homeserver.yaml names. */
  referencedPaths: readonly string[];
}

export type ManifestBuild = { ok: true; manifest: Manifest; warnings: string[] } | { ok: false; reason: string };

/** The table data pg_dump leaves out (Synapse's docs: restored one-time keys would be handed out twice). */
export const EXCLUDED_TABLE_DATA = ['e2e_one_time_keys_json'];

export function buildManifest(s: ManifestSources): ManifestBuild {
  if (!s.files.some((f) => /^synapse\/[^/]+\.signing\.key$/.test(f.path))) {
    return {
      ok: false,
      reason: 'The Synapse signing key is missing from synapse/: refusing to write a backup without it.',
    };
  }
  const inArchive = new Set(s.files.map((f) => f.path));
  const warnings: string[] = [];
  const referenced = s.referencedPaths.map((p) => {
    const host = hostPathOf(p);
    if (host === undefined || !inArchive.has(host)) {
      warnings.push(`homeserver.yaml names ${p}, which is not in the deployment folder: back it up separately.`);
      return { config_path: p };
    }
    return { config_path: p, backed_up_as: host };
  });
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    id: s.id,
    created_at: s.createdAt.toISOString(),
    mxctl_version: s.mxctlVersion,
    server_name: s.serverName,
    synapse_version: s.synapseVersion,
    schema_version: s.database.schema.version,
    schema_compat_version: s.database.schema.compat,
    row_counts: s.database.rows,
    message_count: s.database.messages,
    database: { ...s.dump, excluded_table_data: EXCLUDED_TABLE_DATA },
    files: s.files,
    referenced_files: referenced,
  };
  return { ok: true, manifest, warnings };
}

/** The sidecar (<id>.manifest.json): the inner manifest plus the archive as written. */
export function sidecarManifest(m: Manifest, archive: { name: string; size: number; sha256: string }): Manifest {
  return { ...m, archive };
}
