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
  return new SpooledFeed(dir, sink, o.maxBacklog ?? 4 * 1024 * 1024 * 1024);
}

/** See the top of this file: segments written by `write`, fed in order by a pump, removed once fed. */
class SpooledFeed implements DumpFeed {
  private readonly dir: string;
  private readonly maxBacklog: number;
  private readonly watch: SinkWatch;
  private readonly ready: { path: string; size: number }[] = [];
  private segment: { path: string; fd: number; size: number } | undefined;
  private count = 0;
  private ended = false;
  /** Aborted, or the pump failed: nothing more is spooled. */
  private stopped = false;
  private pumpWake: (() => void) | undefined;
  private writerWake: (() => void) | undefined;
  private readonly pump: Promise<void>;
  backlog = 0;

  constructor(dir: string, sink: Writable, maxBacklog: number) {
    this.dir = dir;
    this.maxBacklog = maxBacklog;
    this.watch = new SinkWatch(sink);
    this.pump = this.run();
    // NOTE: a failing pump (a segment unreadable: disk trouble) surfaces through `end`.
    this.pump.catch(() => undefined);
  }

  get error(): unknown {
    return this.watch.error;
  }

  write(chunk: Buffer): Promise<void> | undefined {
    if (this.watch.gone || this.stopped) return undefined;
    if (this.segment === undefined) {
      if (this.count === 0) mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const path = join(this.dir, `dump.${String(this.count++).padStart(6, '0')}`);
      this.segment = { path, fd: openSync(path, 'wx', 0o600), size: 0 };
    }
    for (let at = 0; at < chunk.length;) at += writeSync(this.segment.fd, chunk, at);
    this.segment.size += chunk.length;
    this.backlog += chunk.length;
    if (this.segment.size >= SEGMENT_BYTES) this.seal();
    if (this.backlog <= this.maxBacklog) return undefined;
    return new Promise<void>((resolve) => (this.writerWake = resolve));
  }

  async end(): Promise<void> {
    this.seal();
    this.ended = true;
    this.notifyPump();
    await this.pump;
  }

  async abort(): Promise<void> {
    this.stopped = true;
    this.seal();
    this.notifyPump();
    this.releaseWriter();
    this.watch.cancel();
    await this.pump.catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  private notifyPump(): void {
    this.pumpWake?.();
    this.pumpWake = undefined;
  }

  private releaseWriter(): void {
    this.writerWake?.();
    this.writerWake = undefined;
  }

  private seal(): void {
    if (this.segment === undefined) return;
    closeSync(this.segment.fd);
    this.ready.push({ path: this.segment.path, size: this.segment.size });
    this.segment = undefined;
    this.notifyPump();
  }

  /** Feeds the sealed segments in order into the consumer, removing each once fed. */
  private async run(): Promise<void> {
    try {
      for (;;) {
        const next = this.ready.shift();
        if (next === undefined) {
          if (this.ended || this.stopped) break;
          await new Promise<void>((r) => (this.pumpWake = r));
          continue;
        }
        await this.feed(next.path);
        await rm(next.path, { force: true });
        this.backlog -= next.size;
        if (this.backlog <= this.maxBacklog) this.releaseWriter();
      }
      if (!this.stopped) this.watch.end();
    } catch (error) {
      this.stopped = true;
      this.releaseWriter();
      throw error;
    }
  }

  private async feed(path: string): Promise<void> {
    if (this.watch.gone || this.stopped) return;
    for await (const c of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
      await this.watch.put(c as Buffer);
      if (this.watch.gone || this.stopped) break;
    }
  }
}
