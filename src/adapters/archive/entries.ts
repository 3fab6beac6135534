// The pieces of a backup archive as tar bytes: small entries from memory, the database dump cut
// into chunk entries, and the deployment's files read from disk. Each generator returns what the
// manifest needs to know about what it wrote (sizes, sha256s), so nothing is shared on the side.
import { createHash } from 'node:crypto';
import type { ManifestFile } from '../../core/backup/manifest.ts';
import { dbChunkName } from '../../core/backup/naming.ts';
import { tarBuffer, tarFile } from '../tar-stream.ts';
import type { SourceFile } from './source-files.ts';

/** Dump chunk size: the archive's memory bound (a tar header needs the size before the data). */
export const DB_CHUNK_BYTES = 16 * 1024 * 1024;

export interface DumpSummary {
  chunks: string[];
  size: number;
  sha256: string;
  /** The first bytes (the custom-format header), for judging the dump. */
  head: Buffer;
}

/** A small entry from memory (RESTORE.txt, manifest.json). */
export function memoryEntry(path: string, mode: number, mtime: number, text: string): Generator<Buffer> {
  return tarBuffer({ path, mode, uid: 0, gid: 0, mtime }, Buffer.from(text));
}

/**
 * The dump as chunk entries of `chunkBytes` (memory: one chunk). `settle` runs before the last
 * chunk is written, with the whole dump seen: it waits for pg_dump's exit and judges the dump,
 * so a failed or implausible dump never reaches the archive in full.
 */
export async function* dumpChunkEntries(
  dump: AsyncIterable<Buffer>,
  o: { mtime: number; settle: (summary: DumpSummary) => Promise<void>; chunkBytes?: number },
): AsyncGenerator<Buffer, DumpSummary> {
  const size = o.chunkBytes ?? DB_CHUNK_BYTES;
  const hash = createHash('sha256');
  const chunks: string[] = [];
  let chunk = Buffer.allocUnsafe(size);
  let fill = 0;
  let total = 0;
  let head: Buffer | undefined;
  function* flush(): Generator<Buffer> {
    if (fill === 0) return;
    const name = dbChunkName(chunks.length);
    chunks.push(name);
    // NOTE: a fresh buffer per chunk (not a reused one plus a copy): the consumer may still
    // hold the previous one, and a copy would double the memory bound.
    const full = chunk.subarray(0, fill);
    chunk = Buffer.allocUnsafe(size);
    fill = 0;
    yield* tarBuffer({ path: name, mode: 0o600, uid: 0, gid: 0, mtime: o.mtime }, full);
  }
  for await (let buf of dump) {
    head ??= Buffer.from(buf.subarray(0, 16));
    hash.update(buf);
    total += buf.length;
    while (buf.length > 0) {
      const take = Math.min(buf.length, size - fill);
      buf.copy(chunk, fill, 0, take);
      fill += take;
      buf = buf.subarray(take);
      if (fill === size) yield* flush();
    }
  }
  const summary = { chunks, size: total, sha256: hash.digest('hex'), head: head ?? Buffer.alloc(0) };
  await o.settle(summary);
  yield* flush();
  return summary;
}

/** The deployment's files as entries under `prefix`; returns their manifest lines (sha256 per file). */
export async function* fileEntries(
  files: readonly SourceFile[],
  prefix: string,
): AsyncGenerator<Buffer, ManifestFile[]> {
  const listed: ManifestFile[] = [];
  for (const f of files) {
    const hash = createHash('sha256');
    const header = {
      path: `${prefix}${f.rel}`,
      type: f.type,
      size: f.size,
      mode: f.mode,
      uid: f.uid,
      gid: f.gid,
      mtime: f.mtime,
      ...(f.linkname === undefined ? {} : { linkname: f.linkname }),
    };
    yield* tarFile(header, f.abs, (c) => hash.update(c));
    listed.push({
      path: f.rel,
      type: f.type,
      size: f.size,
      mode: f.mode,
      ...(f.type === 'file' ? { sha256: hash.digest('hex') } : {}),
      ...(f.linkname === undefined ? {} : { linkname: f.linkname }),
    });
  }
  return listed;
}

/** What the file entries will add to the archive: each a 512-byte header, its data padded to 512 (a progress total). */
export function entriesBytes(files: readonly SourceFile[]): number {
  return files.reduce((n, f) => n + 512 + Math.ceil(f.size / 512) * 512, 0);
}
