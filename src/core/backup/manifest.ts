// The backup manifest: what is in an archive and how to check it. Stored twice: as the archive's
// last entry (so a copied archive carries it) and beside the archive as <id>.manifest.json,
// written after the archive is complete (readers list manifests, never bare archives). Pure.
import { z } from 'zod';

export const MANIFEST_FORMAT = 'element-matrix-backup/1';

/** Key tables whose row counts are recorded and compared after a restore. */
export const KEY_TABLES = [
  'users',
  'rooms',
  'events',
  'room_memberships',
  'local_media_repository',
  'local_media_repository_thumbnails',
  'registration_tokens',
  'devices',
  'state_groups',
] as const;

const fileEntry = z.strictObject({
  path: z.string().min(1),
  type: z.enum(['file', 'directory', 'symlink']),
  size: z.number().int().nonnegative(),
  mode: z.number().int().nonnegative(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  linkname: z.string().optional(),
});
export type ManifestFile = z.infer<typeof fileEntry>;

export const manifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  id: z.string(),
  created_at: z.string(),
  mxctl_version: z.string(),
  server_name: z.string(),
  synapse_version: z.string(),
  schema_version: z.number().int(),
  schema_compat_version: z.number().int(),
  row_counts: z.record(z.string(), z.number().int().nonnegative()),
  message_count: z.number().int().nonnegative(),
  database: z.strictObject({
    chunks: z.array(z.string()),
    size: z.number().int().positive(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    excluded_table_data: z.array(z.string()),
  }),
  files: z.array(fileEntry),
  /** Paths homeserver.yaml names, as the container sees them, and where they were found. */
  referenced_files: z.array(z.strictObject({ config_path: z.string(), backed_up_as: z.string().optional() })),
  /** Only in the sidecar: the archive as written (the inner copy can't hash its own container). */
  archive: z
    .strictObject({ name: z.string(), size: z.number().int().positive(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })
    .optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;

export type ManifestParse = { ok: true; manifest: Manifest } | { ok: false; error: string };

export function parseManifest(text: string): ManifestParse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
  const r = manifestSchema.safeParse(json);
  if (!r.success)
    return { ok: false, error: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  return { ok: true, manifest: r.data };
}

/** pg_dump -Fc output starts with this magic; anything else is not a dump. */
export const PGDUMP_MAGIC = 'PGDMP';
/** An empty Synapse database dumps to a few hundred KiB; less than this is not a real dump. */
export const MIN_PLAUSIBLE_DUMP_BYTES = 32 * 1024;

export type DumpVerdict = { ok: true } | { ok: false; reason: string };

export function judgeDump(size: number, head: Buffer): DumpVerdict {
  if (size === 0) return { ok: false, reason: 'pg_dump produced 0 bytes' };
  if (head.subarray(0, PGDUMP_MAGIC.length).toString('latin1') !== PGDUMP_MAGIC)
    return { ok: false, reason: 'the dump does not start with the pg_dump custom-format header' };
  if (size < MIN_PLAUSIBLE_DUMP_BYTES)
    return { ok: false, reason: `the dump is implausibly small (${size} bytes; an empty Synapse database is larger)` };
  return { ok: true };
}

/** The media id a local_content path names: local_content/aa/bb/rest → aabbrest. */
export function mediaIdOf(path: string): string | undefined {
  const m = /(?:^|\/)local_content\/([^/]{2})\/([^/]{2})\/([^/]+)$/.exec(path);
  return m === null ? undefined : `${m[1]}${m[2]}${m[3]}`;
}

/** What RESTORE.txt (the archive's first entry) says: the manual path, with no secrets. */
export function restoreReadme(id: string): string {
  return `element-matrix backup ${id}

This archive was written by mxctl. Restore it with \`mxctl restore\`, or by hand:
  gpg --decrypt ${id}.tar.gpg > ${id}.tar        (asks for BACKUP_PASSPHRASE)
  mkdir restore && tar -xf ${id}.tar -C restore
  cat restore/database/synapse.pgdump.* > synapse.pgdump
  sha256sum -c is possible against manifest.json (files[].sha256, database.sha256)
  createdb --encoding=UTF8 --locale=C --template=template0 --owner=USER DB
  pg_restore --no-owner --role=USER -d DB synapse.pgdump
  psql -d DB -c 'TRUNCATE e2e_one_time_keys_json'
  copy restore/deployment/ back to the deployment folder, then start the stack.
docs/RUNBOOK.md ("Restore without mxctl") has the exact, tested steps.
`;
}
