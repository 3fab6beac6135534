// Judging what an archive held against its manifest (and the sidecar's archive checksum). Pure:
// every mismatch is named; an empty list means the archive is exactly what its manifest says.
import type { Manifest } from './manifest.ts';

export interface SeenArchive {
  archive: { bytes: number; sha256: string | undefined };
  database: { chunks: readonly string[]; size: number; sha256: string };
  files: ReadonlyMap<string, { type: string; size: number; sha256?: string }>;
  /** Entries refused while reading (unexpected, unsafe paths). */
  refused: readonly string[];
}

export function archiveProblems(seen: SeenArchive, m: Manifest, sidecar: Manifest | undefined): string[] {
  const problems = [...seen.refused];
  const a = sidecar?.archive;
  if (a !== undefined && seen.archive.sha256 !== undefined) {
    const got = seen.archive.sha256;
    if (a.size !== seen.archive.bytes || a.sha256 !== got) {
      problems.push(
        `the archive's size/sha256 differ from its manifest (${seen.archive.bytes} bytes ${got.slice(0, 12)}… vs ${a.size} ${a.sha256.slice(0, 12)}…)`,
      );
    }
  }
  if (seen.database.chunks.join() !== m.database.chunks.join())
    problems.push('the database chunks differ from the manifest');
  if (seen.database.size !== m.database.size || seen.database.sha256 !== m.database.sha256)
    problems.push('the database dump does not match its sha256');
  for (const f of m.files) {
    const got = seen.files.get(f.path);
    if (got === undefined) problems.push(`missing from the archive: ${f.path}`);
    else if (f.type === 'file' && (got.size !== f.size || got.sha256 !== f.sha256))
      problems.push(`checksum mismatch: ${f.path}`);
  }
  if (seen.files.size !== m.files.length)
    problems.push(`the archive holds ${seen.files.size} deployment entries, the manifest lists ${m.files.length}`);
  return problems;
}
