// Backup ids and file names. One run = `<id>.tar.gpg` (the encrypted archive) + `<id>.manifest.json`
// (written last: a backup exists only when its manifest does). Pure.

export const ARCHIVE_SUFFIX = '.tar.gpg';
export const MANIFEST_SUFFIX = '.manifest.json';
const ID_RE = /^matrix-backup-(\d{4})-(\d{2})-(\d{2})_(\d{2})(\d{2})(\d{2})(?:-([a-z0-9][a-z0-9-]{0,40}))?$/;

/** `matrix-backup-YYYY-MM-DD_HHMMSS[-tag]`, in UTC so ids sort by time everywhere. */
export function backupId(at: Date, tag?: string): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${at.getUTCFullYear()}-${p(at.getUTCMonth() + 1)}-${p(at.getUTCDate())}_${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
  return `matrix-backup-${stamp}${tag === undefined ? '' : `-${tag}`}`;
}

/** The ids a run started `at` may take, second by second, for the next `seconds` (the first free one wins). */
export function candidateIds(at: Date, tag: string | undefined, seconds: number): string[] {
  return Array.from({ length: seconds }, (_, bump) => backupId(new Date(at.getTime() + bump * 1000), tag));
}

export function isBackupId(value: string): boolean {
  return ID_RE.test(value);
}

/** The time an id names, or undefined for something that is not an id. */
export function backupTime(id: string): Date | undefined {
  const m = ID_RE.exec(id);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  return new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0));
}

export function archiveName(id: string): string {
  return `${id}${ARCHIVE_SUFFIX}`;
}

export function manifestName(id: string): string {
  return `${id}${MANIFEST_SUFFIX}`;
}

/** The id a backup folder entry belongs to, and whether it is the archive or the manifest. */
export function parseBackupFileName(name: string): { id: string; kind: 'archive' | 'manifest' } | undefined {
  for (const [suffix, kind] of [
    [ARCHIVE_SUFFIX, 'archive'],
    [MANIFEST_SUFFIX, 'manifest'],
  ] as const) {
    if (name.endsWith(suffix)) {
      const id = name.slice(0, -suffix.length);
      if (isBackupId(id)) return { id, kind };
    }
  }
  return undefined;
}

/** Inside the archive: the database dump as numbered chunks (so it can stream), then the files. */
export const DB_CHUNK_PREFIX = 'database/synapse.pgdump.';
export const FILES_PREFIX = 'deployment/';
export const INNER_MANIFEST = 'manifest.json';
export const INNER_README = 'RESTORE.txt';

export function dbChunkName(index: number): string {
  return `${DB_CHUNK_PREFIX}${String(index).padStart(5, '0')}`;
}
