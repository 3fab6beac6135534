// Reading an encrypted archive through: file ─► sha256 + byte count ─► cipher (gpg -d) ─► tar
// entries, each hashed, optionally written to a staging folder, the dump optionally fed to a
// consumer (pg_restore's stdin). What was seen is returned for the caller to judge against the
// manifest: nothing read here is trusted until then (gpg writes tampered plaintext before it
// reports the tamper).
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { Transform } from 'node:stream';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isMxError } from '../../core/errors.ts';
import { failureError, firstFailure } from '../../core/backup/first-failure.ts';
import { DB_CHUNK_PREFIX, FILES_PREFIX, INNER_MANIFEST, INNER_README } from '../../core/backup/naming.ts';
import { readTar } from '../tar-stream.ts';
import type { TarHeader } from '../../core/backup/tar-format.ts';
import type { Cipher, GpgProcess } from '../gpg.ts';
import { StagingWriter } from './staging.ts';
import type { Owner } from './staging.ts';
import { directFeed, spooledFeed } from './dump-feed.ts';
import type { DumpFeed } from './dump-feed.ts';

export interface ReadArchiveOptions {
  /** Write entries here: deployment/... and, unless it goes to `dumpSink`, database.pgdump (0700). */
  stagingDir?: string | undefined;
  /** Stream the dump into this (e.g. pg_restore's stdin); ended after the last chunk. */
  dumpSink?: Writable | undefined;
  /** With `dumpSink`: spool the dump through segment files here, so the consumer's pace never
   * holds up the rest of the archive (see dump-feed.ts). */
  dumpSpoolDir?: string | undefined;
  /** Files under these folders of `root` (the live deployment) that are identical to the
   * archived ones are staged as hard links, not written (see staging.ts). */
  reuseFrom?: { root: string; under: readonly string[] } | undefined;
  /** Hash the whole ciphertext too (to compare with a sidecar manifest). */
  hashArchive: boolean;
  /** Bytes of the archive read so far, against its size. */
  onBytes: (read: number, total: number) => void;
  /** The archive is read and the consumer still has this many bytes of the dump to take. */
  onBacklog: (bytes: number) => void;
}

export interface SeenEntry {
  type: 'file' | 'directory' | 'symlink';
  size: number;
  sha256?: string;
}

/** What the archive held, as read; judged against its manifest by the caller. */
export interface ArchiveContents {
  manifestText: string | undefined;
  archive: { bytes: number; sha256: string | undefined };
  database: { chunks: string[]; size: number; sha256: string };
  files: Map<string, SeenEntry>;
  /** uid/gid/mode per deployment path, as archived (restore re-applies them). */
  owners: Map<string, Owner>;
  /** Entries that have no place in an archive (refused, not staged). */
  refused: string[];
  /** Staged files that were hard links to identical live ones (`reuseFrom`), and their bytes. */
  reused: { files: number; bytes: number };
  /** The dump consumer's stream error, if it had one. */
  consumerError: unknown;
}

function safeRel(rel: string): string | undefined {
  const n = normalize(rel);
  if (n.startsWith('/') || n === '..' || n.startsWith('../') || n.includes('/../') || rel === '') return undefined;
  return n.replace(/\/$/, '');
}

/** Collects the entries as they stream out of the cipher (the tar side of the reader). */
class EntrySink {
  readonly staging = new StagingWriter();
  readonly dbHash = createHash('sha256');
  dbBytes = 0;
  readonly chunks: string[] = [];
  readonly files = new Map<string, SeenEntry>();
  readonly owners = new Map<string, Owner>();
  readonly refused: string[] = [];
  manifestText: string | undefined;
  private readonly dumpFile: number | undefined;
  private readonly o: ReadArchiveOptions;
  readonly dump: DumpFeed | undefined;

  constructor(o: ReadArchiveOptions) {
    this.o = o;
    const staged = o.stagingDir !== undefined && o.dumpSink === undefined;
    this.dumpFile = staged ? this.staging.create(join(o.stagingDir ?? '', 'database.pgdump')) : undefined;
    this.dump =
      o.dumpSink === undefined
        ? undefined
        : o.dumpSpoolDir === undefined
          ? directFeed(o.dumpSink)
          : spooledFeed(o.dumpSpoolDir, o.dumpSink);
  }

  async entry(h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    if (h.path === INNER_README) return;
    if (h.path === INNER_MANIFEST) {
      const parts: Buffer[] = [];
      for await (const c of body) parts.push(c);
      this.manifestText = Buffer.concat(parts).toString('utf8');
    } else if (h.path.startsWith(DB_CHUNK_PREFIX)) await this.dumpChunk(h, body);
    else if (!h.path.startsWith(FILES_PREFIX)) this.refused.push(`unexpected entry ${h.path}`);
    else {
      const rel = safeRel(h.path.slice(FILES_PREFIX.length));
      if (rel === undefined) this.refused.push(`unsafe path ${h.path} (refused)`);
      else await this.deploymentEntry(rel, h, body);
    }
  }

  private async dumpChunk(h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    this.chunks.push(h.path);
    for await (const c of body) {
      this.dbHash.update(c);
      this.dbBytes += c.length;
      if (this.dumpFile !== undefined) this.staging.write(this.dumpFile, c);
      const wait = this.dump?.write(c);
      if (wait !== undefined) await wait;
    }
  }

  private async deploymentEntry(rel: string, h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    const owner = { uid: h.uid, gid: h.gid, mode: h.mode };
    this.owners.set(rel, owner);
    const target = this.o.stagingDir === undefined ? undefined : join(this.o.stagingDir, 'deployment', rel);
    if (h.type === 'directory' || h.type === 'symlink') {
      if (target !== undefined && h.type === 'directory') this.staging.directory(target, owner);
      if (target !== undefined && h.type === 'symlink') this.staging.symlink(target, h.linkname ?? '', owner);
      this.files.set(rel, { size: 0, type: h.type });
      return;
    }
    const reuse = this.o.reuseFrom;
    const live =
      reuse !== undefined && reuse.under.some((u) => rel.startsWith(`${u}/`)) ? join(reuse.root, rel) : undefined;
    const file = target === undefined ? undefined : this.staging.file(target, h.size, owner, live);
    const hash = createHash('sha256');
    let size = 0;
    let complete = false;
    try {
      for await (const c of body) {
        hash.update(c);
        size += c.length;
        file?.write(c);
      }
      complete = true;
    } finally {
      file?.close(complete, owner);
    }
    this.files.set(rel, { size, sha256: hash.digest('hex'), type: 'file' });
  }

  /** After the read: the consumer is given the rest of the dump only when the read was intact. */
  async finish(intact: boolean): Promise<unknown> {
    let error: unknown;
    if (intact && (this.dump?.backlog ?? 0) > 0) this.o.onBacklog(this.dump?.backlog ?? 0);
    if (intact) await this.dump?.end().catch((e: unknown) => (error = e));
    else await this.dump?.abort();
    if (this.dumpFile !== undefined) this.staging.close(this.dumpFile, undefined, { sync: true });
    return error;
  }
}

/** The ciphertext side: the file into the cipher, counted (and hashed when asked). */
function feedCipher(
  path: string,
  total: number,
  gpg: GpgProcess,
  o: ReadArchiveOptions,
): { done: Promise<void>; bytes: () => number; hash: Hash | undefined } {
  const hash = o.hashArchive ? createHash('sha256') : undefined;
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash?.update(chunk);
      bytes += chunk.length;
      o.onBytes(bytes, total);
      cb(null, chunk);
    },
  });
  return {
    done: pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), counter, gpg.stdin),
    bytes: () => bytes,
    hash,
  };
}

/**
 * Reads the archive at `path` through. Throws gpg's failure when gpg failed of its own accord (a
 * wrong passphrase always), else the first stream failure (a tar error, a write to staging):
 * the caller says what it means for the user.
 */
export async function readArchiveFile(path: string, cipher: Cipher, o: ReadArchiveOptions): Promise<ArchiveContents> {
  if (o.stagingDir !== undefined) await mkdir(join(o.stagingDir, 'deployment'), { recursive: true, mode: 0o700 });
  const total = (await stat(path)).size;
  const gpg = await cipher.decrypt();
  const sink = new EntrySink(o);
  const feed = feedCipher(path, total, gpg, o);
  // readTar reads gpg's output to its end (see there), so gpg's exit can be reported after it.
  const failed = await firstFailure(
    [feed.done, readTar(gpg.stdout as AsyncIterable<Buffer>, (h, body) => sink.entry(h, body))],
    () => {
      // NOTE: stop gpg at once: nobody reads its output any more, so it would block forever (and
      // with it the feed of ciphertext into it). Its output is dropped too: a paused stdout with
      // data buffered never ends, and gpg's exit is only reported once all its streams closed.
      gpg.kill();
      gpg.stdout.destroy();
    },
  );
  const consumerFailure = await sink.finish(failed === undefined);
  // gpg's verdict first: a wrong passphrase or a failed integrity check explains any parse error.
  try {
    await gpg.done;
  } catch (error) {
    if (isMxError(error, 'E_BACKUP_PASSPHRASE') || failed === undefined) throw error;
  }
  if (failed !== undefined) throw failureError(failed, 'reading the archive failed');
  if (consumerFailure !== undefined) throw failureError({ error: consumerFailure }, 'feeding the dump failed');
  return {
    manifestText: sink.manifestText,
    archive: { bytes: feed.bytes(), sha256: feed.hash?.digest('hex') },
    database: { chunks: sink.chunks, size: sink.dbBytes, sha256: sink.dbHash.digest('hex') },
    files: sink.files,
    owners: sink.owners,
    refused: sink.refused,
    reused: { files: sink.staging.reusedFiles, bytes: sink.staging.reusedBytes },
    consumerError: sink.dump?.error,
  };
}
