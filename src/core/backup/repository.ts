// Repository mode (BACKUP_MODE=repository): a backup stored in a restic repository. Pure: how a
// backup's snapshots are tagged, which of them make a complete backup, and whether a plain-SQL
// dump looks whole.
//
// One `mxctl backup` writes three snapshots, all tagged `mxctl-backup=<id>`:
//   mxctl-part=database  the plain-SQL pg_dump, read from restic's stdin as synapse.sql
//   mxctl-part=files     the deployment folder (config, signing key, media), backed up as `.`
//   mxctl-part=manifest  manifest.json, written LAST
// NOTE: restic (0.14, and still 0.19) cannot put a stdin stream and a folder into one snapshot,
// and spooling the dump to disk first would cost its size in free space; so a backup is a set
// of snapshots, and — as in archive mode, where the manifest file is written last — it exists
// only once its manifest snapshot does. restic itself writes a snapshot only after its data and
// index are in the repository (design.rst, "Read and Write Ordering"), so a manifest snapshot
// can only exist when the two before it were complete. Listings read manifest snapshots only;
// a database or files snapshot without one is a run cut short and is never listed or restored.

export const BACKUP_TAG = 'mxctl-backup';
export const PART_TAG = 'mxctl-part';
export const PARTS = ['database', 'files', 'manifest'] as const;
export type Part = (typeof PARTS)[number];

/** The file names inside the stdin snapshots. */
export const DUMP_FILENAME = 'synapse.sql';
export const MANIFEST_FILENAME = 'manifest.json';

export function backupTag(id: string): string {
  return `${BACKUP_TAG}=${id}`;
}

export function partTag(part: Part): string {
  return `${PART_TAG}=${part}`;
}

export function tagsOf(id: string, part: Part): string[] {
  return [backupTag(id), partTag(part)];
}

export interface SnapshotLike {
  id: string;
  time: string;
  tags?: readonly string[] | null | undefined;
}

export interface RepositoryBackup {
  id: string;
  createdAt: string;
  snapshots: Record<Part, string>;
}

function tagValue(tags: readonly string[], key: string): string | undefined {
  const t = tags.find((x) => x.startsWith(`${key}=`));
  return t === undefined ? undefined : t.slice(key.length + 1);
}

/**
 * The complete backups among the snapshots (newest last): those with a manifest snapshot and
 * both of the snapshots it describes. `incomplete` names the ids of runs cut short.
 */
export function completeBackups(snapshots: readonly SnapshotLike[]): {
  backups: RepositoryBackup[];
  incomplete: string[];
} {
  const byId = new Map<string, Partial<Record<Part, SnapshotLike>>>();
  for (const s of snapshots) {
    const tags = s.tags ?? [];
    const id = tagValue(tags, BACKUP_TAG);
    const part = tagValue(tags, PART_TAG) as Part | undefined;
    if (id === undefined || part === undefined || !PARTS.includes(part)) continue;
    // NOTE: two snapshots of the same part (a retried run) — the newer one counts.
    const parts = byId.get(id) ?? {};
    const seen = parts[part];
    if (seen === undefined || seen.time < s.time) parts[part] = s;
    byId.set(id, parts);
  }
  const backups: RepositoryBackup[] = [];
  const incomplete: string[] = [];
  for (const [id, p] of [...byId.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (p.manifest === undefined || p.database === undefined || p.files === undefined) {
      incomplete.push(id);
      continue;
    }
    backups.push({
      id,
      createdAt: p.database.time,
      snapshots: { database: p.database.id, files: p.files.id, manifest: p.manifest.id },
    });
  }
  return { backups, incomplete };
}

/** Snapshot ids of a backup, manifest first (forgetting in this order never leaves a listed backup without its data). */
export function forgetOrder(b: RepositoryBackup): string[] {
  return [b.snapshots.manifest, b.snapshots.database, b.snapshots.files];
}

/** What plain-format pg_dump writes first and last: a dump without its last line was cut short. */
export const PLAIN_DUMP_HEAD = '--\n-- PostgreSQL database dump';
export const PLAIN_DUMP_END = '-- PostgreSQL database dump complete';
/** An empty Synapse schema dumps to well over this as SQL. */
export const MIN_PLAIN_DUMP_BYTES = 32 * 1024;

export type PlainDumpVerdict = { ok: true } | { ok: false; reason: string };

export function judgePlainDump(size: number, head: string, tail: string): PlainDumpVerdict {
  if (size === 0) return { ok: false, reason: 'pg_dump produced 0 bytes' };
  if (!head.startsWith(PLAIN_DUMP_HEAD))
    return { ok: false, reason: 'the dump does not start as a pg_dump SQL script' };
  if (!tail.includes(PLAIN_DUMP_END))
    return { ok: false, reason: 'the dump does not end with pg_dump\'s "complete" line (cut short)' };
  if (size < MIN_PLAIN_DUMP_BYTES)
    return { ok: false, reason: `the dump is implausibly small (${size} bytes; an empty Synapse database is larger)` };
  return { ok: true };
}

/** How the repository is reached, from RESTIC_REPOSITORY ('' = a local one in the backup folder). */
export type RepositoryKind = 'local' | 's3' | 'rclone';

export function repositoryKind(spec: string): RepositoryKind {
  if (spec.startsWith('s3:')) return 's3';
  if (spec.startsWith('rclone:')) return 'rclone';
  return 'local';
}

/** A problem with a RESTIC_REPOSITORY value, or undefined when it is one mxctl supports. */
export function repositorySpecProblem(spec: string): string | undefined {
  if (spec === '') return undefined;
  if (/^s3:https?:\/\/[^/\s]+\/[^\s]+$/.test(spec)) return undefined;
  if (/^rclone:[A-Za-z0-9_][-A-Za-z0-9_. ]*:[^\n]*$/.test(spec)) return undefined;
  if (spec.startsWith('/')) return undefined;
  return 'an absolute local path, s3:http(s)://HOST/BUCKET[/PREFIX], or rclone:REMOTE:PATH (empty: BACKUP_DIR/restic)';
}
