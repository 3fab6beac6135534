// A pass-through stream that hashes (sha256) and counts what flows through it, telling each new
// total: an archive as it is written, a dump as it is loaded.
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

export interface HashTap {
  stream: Transform;
  /** Bytes seen so far. */
  bytes(): number;
  /** The hex sha256 of everything seen; call once, after the stream ended. */
  sha256(): string;
}

export function hashTap(onBytes: (total: number) => void = () => undefined): HashTap {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, next) {
      hash.update(chunk);
      bytes += chunk.length;
      onBytes(bytes);
      next(null, chunk);
    },
  });
  return { stream, bytes: () => bytes, sha256: () => hash.digest('hex') };
}
