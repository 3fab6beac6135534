// Feeding the decrypted dump into its consumer (pg_restore's stdin) while the archive is read.
//
// `directFeed` writes into the consumer and waits whenever it is full. `spooledFeed` decouples the
// two: the archive is one stream with the dump first, and pg_restore loads far slower than gpg
// decrypts, so with a direct feed the media behind the dump wait for the whole load (14 s of a
// 36 s read in the benchmark). The spool appends each decrypted piece to a segment file in the
// restore's staging folder; a pump feeds the segments in order into the consumer and removes each
// once fed. The load then overlaps the rest of the archive, and the disk it costs is only the
// backlog (bounded: past `maxBacklog` the reader waits, as with a direct feed).
import { closeSync, createReadStream, mkdirSync, openSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';

export interface DumpFeed {
  /** Takes one piece of the dump; a returned promise means "wait before the next". */
  write(chunk: Buffer): Promise<void> | undefined;
  /** No more pieces: resolves once the consumer has been given everything and ended. */
  end(): Promise<void>;
  /** Stop at once (the read failed): nothing more is fed; segments are removed. */
  abort(): Promise<void>;
  /** The consumer's stream error, if it had one (its exit status is the caller's to judge). */
  readonly error: unknown;
  /** Bytes taken but not yet given to the consumer (a spool's backlog). */
  readonly backlog: number;
}

/** Watches a consumer stream from the start, so a wait for 'drain' never misses the close. */
class SinkWatch {
  gone = false;
  error: unknown;
  private cancelled = false;
  private wake: (() => void) | undefined;
  private readonly sink: Writable;
  constructor(sink: Writable) {
    this.sink = sink;
    sink.on('error', (e) => {
      this.error ??= e;
      this.gone = true;
      this.wake?.();
    });
    sink.on('close', () => {
      this.gone = true;
      this.wake?.();
    });
    sink.on('drain', () => this.wake?.());
  }

  /** Writes a piece; resolves when the consumer can take more (or is gone). */
  async put(chunk: Buffer): Promise<void> {
    if (this.gone || this.cancelled || this.sink.write(chunk)) return;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      if (this.gone || this.cancelled) resolve();
    });
    this.wake = undefined;
  }

  end(): void {
    if (!this.gone) this.sink.end();
  }

  /** Makes every `put`, pending or later, return at once (aborted; the consumer may be stuck). */
  cancel(): void {
    this.cancelled = true;
    this.wake?.();
  }
}

export function directFeed(sink: Writable): DumpFeed {
  const watch = new SinkWatch(sink);
  return {
    write: (chunk) => (watch.gone ? undefined : watch.put(chunk)),
    end: () => {
      watch.end();
      return Promise.resolve();
    },
    abort: () => Promise.resolve(),
    get error() {
      return watch.error;
    },
    backlog: 0,
  };
}

const SEGMENT_BYTES = 16 * 1024 * 1024;

export function spooledFeed(dir: string, sink: Writable, o: { maxBacklog?: number } = {}): DumpFeed {
  const maxBacklog = o.maxBacklog ?? 4 * 1024 * 1024 * 1024;
  const watch = new SinkWatch(sink);
  const ready: { path: string; size: number }[] = [];
  let backlog = 0;
  let segment: { path: string; fd: number; size: number } | undefined;
  let count = 0;
  let ended = false;
  let stopped = false; // aborted, or the pump failed: nothing more is spooled
  let pumpWake: (() => void) | undefined;
  let writerWake: (() => void) | undefined;
  const notifyPump = () => {
    pumpWake?.();
    pumpWake = undefined;
  };
  const releaseWriter = () => {
    writerWake?.();
    writerWake = undefined;
  };

  const seal = () => {
    if (segment === undefined) return;
    closeSync(segment.fd);
    ready.push({ path: segment.path, size: segment.size });
    segment = undefined;
    notifyPump();
  };

  const pump = (async () => {
    try {
      for (;;) {
        const next = ready.shift();
        if (next === undefined) {
          if (ended || stopped) break;
          await new Promise<void>((r) => (pumpWake = r));
          continue;
        }
        if (!watch.gone && !stopped) {
          for await (const c of createReadStream(next.path, { highWaterMark: 1024 * 1024 })) {
            await watch.put(c as Buffer);
            if (watch.gone || stopped) break;
          }
        }
        await rm(next.path, { force: true });
        backlog -= next.size;
        if (backlog <= maxBacklog) releaseWriter();
      }
      if (!stopped) watch.end();
    } catch (error) {
      stopped = true;
      releaseWriter();
      throw error;
    }
  })();
  // NOTE: a failing pump (a segment unreadable: disk trouble) surfaces through `end`.
  pump.catch(() => undefined);

  return {
    write(chunk) {
      if (watch.gone || stopped) return undefined;
      if (segment === undefined) {
        if (count === 0) mkdirSync(dir, { recursive: true, mode: 0o700 });
        const path = join(dir, `dump.${String(count++).padStart(6, '0')}`);
        segment = { path, fd: openSync(path, 'wx', 0o600), size: 0 };
      }
      for (let at = 0; at < chunk.length; ) at += writeSync(segment.fd, chunk, at);
      segment.size += chunk.length;
      backlog += chunk.length;
      if (segment.size >= SEGMENT_BYTES) seal();
      if (backlog <= maxBacklog) return undefined;
      return new Promise<void>((resolve) => (writerWake = resolve));
    },
    async end() {
      seal();
      ended = true;
      notifyPump();
      await pump;
    },
    async abort() {
      stopped = true;
      seal();
      notifyPump();
      releaseWriter();
      watch.cancel();
      await pump.catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
    get error() {
      return watch.error;
    },
    get backlog() {
      return backlog;
    },
  };
}
