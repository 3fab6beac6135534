// Streaming tar: write entries from files and in-memory chunks, read entries from a byte stream,
// with memory bounded by one read buffer (never by the archive's size).
import { createReadStream } from 'node:fs';
import { BLOCK, decodeHeaderBlock, encodeHeader, padding, parsePax } from '../core/backup/tar-format.ts';
import type { TarEntryType, TarHeader } from '../core/backup/tar-format.ts';

/** The blocks of one entry whose data is already in memory. */
export function* tarBuffer(h: Omit<TarHeader, 'size' | 'type'>, data: Buffer): Generator<Buffer> {
  yield encodeHeader({ ...h, type: 'file', size: data.length });
  yield data;
  const pad = padding(data.length);
  if (pad > 0) yield Buffer.alloc(pad);
}

/**
 * The blocks of one file read from disk, streamed. `onData` sees each chunk (for hashing).
 * The size was taken by the caller's stat; a file that changes length while read is an error
 * (the tar header already promised a size).
 */
export async function* tarFile(h: TarHeader, source: string, onData: (chunk: Buffer) => void): AsyncGenerator<Buffer> {
  yield encodeHeader(h);
  if (h.type !== 'file') return;
  let written = 0;
  // NOTE: a read buffer no bigger than the file: a 1 MiB buffer per 100 KiB media file would be
  // 10x the allocation churn, and the garbage shows up as resident memory.
  const highWaterMark = Math.min(1024 * 1024, Math.max(16 * 1024, h.size));
  for await (const chunk of createReadStream(source, { highWaterMark })) {
    const buf = chunk as Buffer;
    const take = buf.length > h.size - written ? buf.subarray(0, h.size - written) : buf;
    written += take.length;
    onData(take);
    yield take;
    if (written >= h.size) break;
  }
  if (written !== h.size) throw new Error(`${source} shrank while being backed up (${written} of ${h.size} bytes)`);
  const pad = padding(h.size);
  if (pad > 0) yield Buffer.alloc(pad);
}

/** Reads exact byte counts from an async byte stream. */
class ByteReader {
  private readonly it: AsyncIterator<Buffer>;
  private buf: Buffer = Buffer.alloc(0);
  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }
  /** Up to `max` bytes (at least 1), or undefined at the end of the stream. */
  async some(max: number): Promise<Buffer | undefined> {
    if (this.buf.length === 0) {
      const next = await this.it.next();
      if (next.done === true) return undefined;
      // NOTE: no copy: each chunk of a pipe is a fresh buffer that nothing else writes to.
      this.buf = next.value;
    }
    const out = this.buf.subarray(0, max);
    this.buf = this.buf.subarray(out.length);
    return out;
  }
  async exact(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const part = await this.some(n - have);
      if (part === undefined) throw new TarTruncatedError();
      parts.push(part);
      have += part.length;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }
}

export class TarTruncatedError extends Error {
  override readonly name = 'TarTruncatedError';
  constructor() {
    super('the archive ends in the middle of an entry (truncated)');
  }
}

const TYPES: Record<string, TarEntryType> = { '0': 'file', '7': 'file', '5': 'directory', '2': 'symlink' };

/**
 * Calls `onEntry` for each entry in order; `body` must be consumed (or is drained after).
 * Ends at the end-of-archive blocks; a stream that stops before them is truncated. What follows
 * them is read to the stream's end and dropped.
 * WHY read to the end: the source is a child's stdout (gpg). A stream left paused never sees its
 * end, the child's 'close' then never comes, and `resume()` does nothing to a stream that an
 * async iterator holds — the process just stops with the exit still awaited.
 */
export async function readTar(
  source: AsyncIterable<Buffer>,
  onEntry: (h: TarHeader, body: AsyncIterable<Buffer>) => Promise<void>,
): Promise<void> {
  const reader = new ByteReader(source);
  let pax = new Map<string, string>();
  for (;;) {
    const raw = decodeHeaderBlock(await reader.exact(BLOCK));
    if (raw === undefined) {
      while ((await reader.some(1024 * 1024)) !== undefined);
      return;
    }
    const size = Number(pax.get('size') ?? raw.size);
    if (raw.typeflag === 'x') {
      pax = parsePax(await reader.exact(size));
      await reader.exact(padding(size));
      continue;
    }
    if (raw.typeflag === 'g') {
      await reader.exact(size + padding(size));
      continue;
    }
    const type = TYPES[raw.typeflag];
    if (type === undefined) throw new Error(`unsupported tar entry type "${raw.typeflag}" for ${raw.path}`);
    const header: TarHeader = {
      path: pax.get('path') ?? raw.path,
      type,
      size: type === 'file' ? size : 0,
      mode: raw.mode,
      uid: raw.uid,
      gid: raw.gid,
      mtime: raw.mtime,
      ...(type === 'symlink' ? { linkname: pax.get('linkpath') ?? raw.linkname } : {}),
    };
    pax = new Map();
    let left = header.size;
    async function* body(): AsyncGenerator<Buffer> {
      while (left > 0) {
        const part = await reader.some(Math.min(left, 1024 * 1024));
        if (part === undefined) throw new TarTruncatedError();
        left -= part.length;
        yield part;
      }
    }
    await onEntry(header, body());
    for await (const chunk of body()) void chunk; // drain what the callback left
    await reader.exact(padding(header.size));
  }
}
