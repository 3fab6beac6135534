// Reading an archive back: decrypt (gpg) → tar entries → hash every byte, optionally writing the
// entries to a staging folder and/or feeding the dump to a consumer (pg_restore -f /dev/null).
// Nothing read here is trusted until `readArchive` returns: gpg's exit status and every sha256
// against the manifest are checked at the end (gpg writes tampered plaintext before it complains).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { Transform } from 'node:stream';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MxError, isMxError } from '../../core/errors.ts';
import { parseManifest } from '../../core/backup/manifest.ts';
import type { Manifest } from '../../core/backup/manifest.ts';
import { DB_CHUNK_PREFIX, FILES_PREFIX, INNER_MANIFEST, INNER_README } from '../../core/backup/naming.ts';
import { readTar, TarTruncatedError } from '../../adapters/tar-stream.ts';
import { isNoSpace, isSystemError } from '../../adapters/fs.ts';
import { startDecrypt } from '../../adapters/gpg.ts';
import { StagingWriter } from './staging.ts';
import { formatBytes } from '../../core/progress.ts';
import type { Meter } from '../../core/progress.ts';
import type { StreamingProcess } from '../../adapters/postgres.ts';
import { directFeed, spooledFeed } from './dump-feed.ts';
import type { DumpFeed } from './dump-feed.ts';

export interface ReadOptions {
  passphrase: string;
  /** Write entries here: deployment/... and, unless it goes to `dumpSink`, database.pgdump (0700). */
  stagingDir?: string;
  /** Stream the dump into this (e.g. pg_restore's stdin); ended after the last chunk. */
  dumpSink?: Writable;
  /** With `dumpSink`: spool the dump through segment files here, so the consumer's pace never
   * holds up the rest of the archive (see dump-feed.ts). */
  dumpSpoolDir?: string;
  /** Files under these folders of `root` (the live deployment) that are identical to the
   * archived ones are staged as hard links, not written (see staging.ts). */
  reuseFrom?: { root: string; under: readonly string[] };
  /** Bytes of the archive read so far, against its size. */
  meter?: Meter;
  /** The sidecar manifest, when there is one: its archive sha256 is checked too. */
  sidecar?: Manifest;
  progress?: (line: string) => void;
}

export interface ReadResult {
  manifest: Manifest;
  archiveBytes: number;
  /** Every mismatch found; empty = the archive is exactly what its manifest says. */
  problems: string[];
  /** uid/gid/mode per deployment path, as archived (restore re-applies them). */
  owners: Map<string, { uid: number; gid: number; mode: number }>;
  /** Staged files that were hard links to identical live ones (`reuseFrom`), and their bytes. */
  reused: { files: number; bytes: number };
}

function safeRel(rel: string): string | undefined {
  const n = normalize(rel);
  if (n.startsWith('/') || n === '..' || n.startsWith('../') || n.includes('/../') || rel === '') return undefined;
  return n.replace(/\/$/, '');
}

export async function readArchive(archivePath: string, o: ReadOptions): Promise<ReadResult> {
  const gpg = await startDecrypt(o.passphrase);
  const archiveHash = createHash('sha256');
  let archiveBytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      if (o.sidecar?.archive !== undefined) archiveHash.update(chunk);
      archiveBytes += chunk.length;
      o.meter?.(archiveBytes, total);
      cb(null, chunk);
    },
  });
  const dbHash = createHash('sha256');
  let dbBytes = 0;
  const seenChunks: string[] = [];
  const files = new Map<string, { size: number; sha256?: string; type: string }>();
  const owners = new Map<string, { uid: number; gid: number; mode: number }>();
  let manifestText: string | undefined;
  const staging = new StagingWriter();
  let dumpFile: number | undefined;
  const problems: string[] = [];
  if (o.stagingDir !== undefined) {
    await mkdir(join(o.stagingDir, 'deployment'), { recursive: true, mode: 0o700 });
    if (o.dumpSink === undefined) dumpFile = staging.create(join(o.stagingDir, 'database.pgdump'));
  }
  const total = (await stat(archivePath)).size;

  const feed = pipeline(createReadStream(archivePath, { highWaterMark: 1024 * 1024 }), counter, gpg.stdin);
  const dump: DumpFeed | undefined =
    o.dumpSink === undefined ? undefined : o.dumpSpoolDir === undefined ? directFeed(o.dumpSink) : spooledFeed(o.dumpSpoolDir, o.dumpSink);

  const parse = readTar(gpg.stdout as AsyncIterable<Buffer>, async (h, body) => {
    if (h.path === INNER_README) return;
    if (h.path === INNER_MANIFEST) {
      const parts: Buffer[] = [];
      for await (const c of body) parts.push(c);
      manifestText = Buffer.concat(parts).toString('utf8');
      return;
    }
    if (h.path.startsWith(DB_CHUNK_PREFIX)) {
      seenChunks.push(h.path);
      for await (const c of body) {
        dbHash.update(c);
        dbBytes += c.length;
        if (dumpFile !== undefined) staging.write(dumpFile, c);
        const wait = dump?.write(c);
        if (wait !== undefined) await wait;
      }
      return;
    }
    if (!h.path.startsWith(FILES_PREFIX)) {
      problems.push(`unexpected entry ${h.path}`);
      return;
    }
    const rel = safeRel(h.path.slice(FILES_PREFIX.length));
    if (rel === undefined) {
      problems.push(`unsafe path ${h.path} (refused)`);
      return;
    }
    const owner = { uid: h.uid, gid: h.gid, mode: h.mode };
    owners.set(rel, owner);
    const target = o.stagingDir === undefined ? undefined : join(o.stagingDir, 'deployment', rel);
    if (h.type === 'directory') {
      if (target !== undefined) staging.directory(target, owner);
      files.set(rel, { size: 0, type: 'directory' });
      return;
    }
    if (h.type === 'symlink') {
      if (target !== undefined) staging.symlink(target, h.linkname ?? '', owner);
      files.set(rel, { size: 0, type: 'symlink' });
      return;
    }
    const hash = createHash('sha256');
    let size = 0;
    const live = o.reuseFrom !== undefined && o.reuseFrom.under.some((u) => rel.startsWith(`${u}/`)) ? join(o.reuseFrom.root, rel) : undefined;
    const file = target === undefined ? undefined : staging.file(target, h.size, owner, live);
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
    files.set(rel, { size, sha256: hash.digest('hex'), type: 'file' });
  });

  let streamError: unknown;
  let killedByUs = false;
  await Promise.all([
    feed.catch((e: unknown) => (streamError ??= e)),
    parse.then(
      // readTar has read gpg's output to its end (see there), so gpg's exit can be reported.
      () => undefined,
      (e: unknown) => {
        // NOTE: stop gpg at once: nobody reads its output any more, so it would block forever
        // (and with it the feed of ciphertext into it).
        // Its output is dropped too: a paused stdout with data buffered never ends, and gpg's
        // exit is only reported once all its streams have closed.
        streamError ??= e;
        killedByUs = true;
        gpg.kill();
        gpg.stdout.destroy();
      },
    ),
  ]);
  // The consumer is given the rest of the dump (a spool's backlog) only for an intact read.
  if (streamError === undefined && (dump?.backlog ?? 0) > 0) o.progress?.(`the archive is read; pg_restore is loading the last ${formatBytes(dump?.backlog ?? 0)} of the dump`);
  if (streamError === undefined) await dump?.end().catch((e: unknown) => (streamError ??= e));
  else await dump?.abort();
  if (dumpFile !== undefined) staging.close(dumpFile, undefined, { sync: true });
  // gpg's verdict first: a wrong passphrase or a failed integrity check explains any parse error.
  try {
    await gpg.done;
  } catch (error) {
    if (isMxError(error, 'E_BACKUP_PASSPHRASE')) throw error;
    if (!killedByUs) {
      if (isMxError(error)) throw error;
      throw new MxError('E_BACKUP_CORRUPT', `gpg failed: ${(error as Error).message}`);
    }
  }
  if (streamError !== undefined) {
    // NOTE: a failed write to staging or the spool is this machine's trouble, not the archive's.
    if (isNoSpace(streamError)) {
      throw new MxError('E_NO_SPACE', `Ran out of disk space unpacking ${archivePath}${o.stagingDir === undefined ? '' : ` into ${o.stagingDir}`}: nothing was changed.`, {
        hint: 'A restore needs room for the media and the database beside the current ones (see docs/RUNBOOK.md); free some space and run it again.',
      });
    }
    if (isSystemError(streamError)) {
      throw new MxError('E_COMMAND_FAILED', `Reading ${archivePath} failed on this machine (not a fault of the archive): ${streamError.message}.`, { hint: 'Nothing was changed; fix the cause named above and run it again.' });
    }
    const what = streamError instanceof TarTruncatedError ? 'the archive is truncated' : `the archive is damaged (${(streamError as Error).message})`;
    throw new MxError('E_BACKUP_CORRUPT', `${archivePath}: ${what}.`, { hint: 'Use another backup (`mxctl backup list`).' });
  }
  if (manifestText === undefined) throw new MxError('E_BACKUP_CORRUPT', `${archivePath} has no manifest: it is incomplete (a backup cut short?).`);
  const parsed = parseManifest(manifestText);
  if (!parsed.ok) throw new MxError('E_BACKUP_CORRUPT', `${archivePath}: its manifest is invalid: ${parsed.error}.`);
  const m = parsed.manifest;

  if (o.sidecar?.archive !== undefined) {
    const a = o.sidecar.archive;
    const got = archiveHash.digest('hex');
    if (a.size !== archiveBytes || a.sha256 !== got) problems.push(`the archive's size/sha256 differ from its manifest (${archiveBytes} bytes ${got.slice(0, 12)}… vs ${a.size} ${a.sha256.slice(0, 12)}…)`);
  }
  if (seenChunks.join() !== m.database.chunks.join()) problems.push('the database chunks differ from the manifest');
  const dbSha = dbHash.digest('hex');
  if (dbBytes !== m.database.size || dbSha !== m.database.sha256) problems.push('the database dump does not match its sha256');
  for (const f of m.files) {
    const got = files.get(f.path);
    if (got === undefined) problems.push(`missing from the archive: ${f.path}`);
    else if (f.type === 'file' && (got.size !== f.size || got.sha256 !== f.sha256)) problems.push(`checksum mismatch: ${f.path}`);
  }
  if (files.size !== m.files.length) problems.push(`the archive holds ${files.size} deployment entries, the manifest lists ${m.files.length}`);
  if (dump?.error !== undefined) problems.push(`the dump consumer failed: ${(dump.error as Error).message}`);
  return { manifest: m, archiveBytes, problems, owners, reused: { files: staging.reusedFiles, bytes: staging.reusedBytes } };
}

/**
 * `readArchive` with the dump streamed into a consumer process's stdin (pg_restore). A read that
 * throws kills the consumer; the consumer's own failure is returned in words, for the caller to
 * judge beside the archive's problems.
 */
export async function readArchiveInto(archivePath: string, consumer: StreamingProcess, o: Omit<ReadOptions, 'dumpSink'>): Promise<{ read: ReadResult; consumerError?: string }> {
  let consumerError: string | undefined;
  const consumerDone = consumer.done.catch((e: unknown) => {
    consumerError = (isMxError(e) ? e.detail : undefined) ?? (e as Error).message;
  });
  try {
    const read = await readArchive(archivePath, { ...o, dumpSink: consumer.stdin });
    await consumerDone;
    return consumerError === undefined ? { read } : { read, consumerError };
  } catch (error) {
    consumer.kill();
    await consumerDone;
    throw error;
  }
}
