// Writing an encrypted archive file:
//   tar entries ─► cipher (gpg) ─► sha256 + byte count ─► a new file (0600), fsynced
// Every process must succeed: the first failure (an entry generator, the cipher, a write, or a
// producer feeding the entries such as pg_dump) stops them all, and the file is removed.
import { open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { failureError, firstFailure } from '../../core/backup/first-failure.ts';
import type { Cipher, GpgProcess } from '../gpg.ts';
import { hashTap } from '../hash-tap.ts';

/** A process the entries depend on (pg_dump): it must succeed too, and is stopped with the rest. */
export interface Producer {
  done: Promise<void>;
  kill(): void;
}

export interface WrittenArchive {
  bytes: number;
  sha256: string;
}

export interface WriteOptions {
  cipher: Cipher;
  producers: readonly Producer[];
  /** Ciphertext bytes written so far. */
  onBytes: (written: number) => void;
}

/** Streams `entries` through the cipher into `path` (which must not exist); on failure `path` is removed. */
export async function writeEncryptedFile(
  path: string,
  entries: AsyncIterable<Buffer>,
  o: WriteOptions,
): Promise<WrittenArchive> {
  const stopProducers = () => o.producers.forEach((p) => p.kill());
  let out: FileHandle;
  try {
    out = await open(path, 'wx', 0o600);
  } catch (error) {
    stopProducers();
    throw error;
  }
  try {
    const written = await encryptInto(out, entries, await o.cipher.encrypt(), o);
    await out.sync();
    await out.close();
    return written;
  } catch (error) {
    stopProducers();
    await out.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
}

async function encryptInto(
  out: FileHandle,
  entries: AsyncIterable<Buffer>,
  gpg: GpgProcess,
  o: WriteOptions,
): Promise<WrittenArchive> {
  const counter = hashTap(o.onBytes);
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.write(chunk).then(() => cb(), cb);
    },
  });
  const failed = await firstFailure(
    [
      pipeline(Readable.from(entries, { objectMode: false }), gpg.stdin),
      pipeline(gpg.stdout, counter.stream, sink),
      gpg.done,
      ...o.producers.map((p) => p.done),
    ],
    () => [gpg, ...o.producers].forEach((p) => p.kill()),
  );
  if (failed !== undefined) throw failureError(failed, 'the archive pipeline failed');
  return { bytes: counter.bytes(), sha256: counter.sha256() };
}
