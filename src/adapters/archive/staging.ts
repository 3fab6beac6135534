// Writing the staged copy of an archive's files, with their archived mode and owner.
// A file that the live deployment already holds, byte for byte with the same mode and owner (a
// restore onto the same server: most media are unchanged since the backup), is hard-linked
// instead of written: no second copy on disk, no write. It is compared as it streams in; from
// the first differing byte it is written out like any other (see ReusingFile).
// NOTE: synchronous on purpose. A media store is ~20k small files, and the async calls per file
// (mkdir, open, a write per 64 KiB, chmod, chown, close: each a thread-pool round trip) made
// staging several times slower than the decryption feeding it. These calls hit the page cache
// and return in microseconds; nothing else waits on the event loop meanwhile but the streams.
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  symlinkSync,
  unlinkSync,
  writeSync,
  chmodSync,
} from 'node:fs';
import { dirname } from 'node:path';

export interface Owner {
  uid: number;
  gid: number;
  mode: number;
}

const asRoot = process.getuid?.() === 0;

/** Best effort, as before: a filesystem that refuses chown must not stop a restore. */
function chownQuietly(chown: () => void): void {
  try {
    chown();
  } catch {
    // the mode is still applied; the restore's media check downloads a file through Synapse
  }
}

/** One staged file being written: plain, or compared against a live twin first. */
export interface StagedFile {
  write(chunk: Buffer): void;
  /** `complete`: every byte arrived (the owner and mode are applied then, never to a torn file). */
  close(complete: boolean, owner: Owner): void;
}

export class StagingWriter {
  private readonly made = new Set<string>();
  private scratch = Buffer.allocUnsafe(1024 * 1024);
  /** Files staged as hard links to their live twin, and their bytes. */
  reusedFiles = 0;
  reusedBytes = 0;

  /**
   * A staged file for an archive entry of `size` bytes. With `live` (the same path in the live
   * deployment), it is linked to the live file first and compared as it streams in; see ReusingFile.
   */
  file(path: string, size: number, owner: Owner, live?: string): StagedFile {
    this.parent(path);
    if (live !== undefined) {
      const reusing = this.tryReuse(path, size, owner, live);
      if (reusing !== undefined) return reusing;
    }
    const fd = this.create(path);
    return {
      write: (chunk) => this.write(fd, chunk),
      close: (complete, o) => this.close(fd, complete ? o : undefined),
    };
  }

  private tryReuse(path: string, size: number, owner: Owner, live: string): StagedFile | undefined {
    let s;
    try {
      s = lstatSync(live);
    } catch {
      return undefined;
    }
    if (!s.isFile() || s.size !== size || (s.mode & 0o7777) !== (owner.mode & 0o7777)) return undefined;
    if (asRoot && (s.uid !== owner.uid || s.gid !== owner.gid)) return undefined;
    try {
      // WHY link before comparing: the link pins the inode, so a live file that Synapse deletes
      // meanwhile (retention) is still there to copy from if the bytes turn out to differ.
      linkSync(live, path);
    } catch {
      return undefined; // another filesystem (EXDEV), or links refused: write it out instead
    }
    return new ReusingFile(this, path, openSync(path, 'r'));
  }

  /** A reusable buffer for comparisons (grown when a chunk is larger). */
  scratchFor(length: number): Buffer {
    if (this.scratch.length < length) this.scratch = Buffer.allocUnsafe(length);
    return this.scratch.subarray(0, length);
  }

  private parent(path: string): void {
    const dir = dirname(path);
    if (this.made.has(dir)) return;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.made.add(dir);
  }

  /** A directory: the archived owner and mode matter (Synapse runs as its own uid and must read media). */
  directory(path: string, owner: Owner): void {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    this.made.add(path);
    chmodSync(path, owner.mode & 0o7777);
    if (asRoot) chownQuietly(() => lchownSync(path, owner.uid, owner.gid));
  }

  symlink(path: string, linkname: string, owner: Owner): void {
    this.parent(path);
    symlinkSync(linkname, path);
    if (asRoot) chownQuietly(() => lchownSync(path, owner.uid, owner.gid));
  }

  /** A new file (never an existing one: 'wx'), created 0600 until `close` gives it its mode. */
  create(path: string): number {
    this.parent(path);
    return openSync(path, 'wx', 0o600);
  }

  write(fd: number, chunk: Buffer): void {
    for (let at = 0; at < chunk.length;) at += writeSync(fd, chunk, at);
  }

  close(fd: number, owner: Owner | undefined, o: { sync?: boolean } = {}): void {
    try {
      if (owner !== undefined) {
        fchmodSync(fd, owner.mode & 0o7777);
        if (asRoot) chownQuietly(() => fchownSync(fd, owner.uid, owner.gid));
      }
      if (o.sync === true) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * A staged file that starts as a hard link to its live twin. Each arriving chunk is compared with
 * the twin's bytes at that offset; while they agree nothing is written. At the first difference
 * the link is replaced by a new file holding the agreed prefix (copied from the pinned inode) and
 * the rest is written as it comes.
 */
class ReusingFile implements StagedFile {
  private offset = 0;
  private out: number | undefined;
  private readonly writer: StagingWriter;
  private readonly path: string;
  private readonly twin: number;

  constructor(writer: StagingWriter, path: string, twin: number) {
    this.writer = writer;
    this.path = path;
    this.twin = twin;
  }

  write(chunk: Buffer): void {
    if (this.out !== undefined) return this.writer.write(this.out, chunk);
    const theirs = this.writer.scratchFor(chunk.length);
    const n = readSync(this.twin, theirs, 0, chunk.length, this.offset);
    if (n === chunk.length && theirs.equals(chunk)) {
      this.offset += n;
      return;
    }
    this.writer.write(this.diverge(), chunk);
  }

  private diverge(): number {
    unlinkSync(this.path);
    const out = this.writer.create(this.path);
    for (let at = 0; at < this.offset;) {
      const part = this.writer.scratchFor(Math.min(1024 * 1024, this.offset - at));
      const n = readSync(this.twin, part, 0, part.length, at);
      if (n <= 0) throw new Error(`${this.path}: the live file shrank while being compared`);
      this.writer.write(out, part.subarray(0, n));
      at += n;
    }
    this.out = out;
    return out;
  }

  close(complete: boolean, owner: Owner): void {
    try {
      if (this.out !== undefined) {
        this.writer.close(this.out, complete ? owner : undefined);
      } else if (!complete) {
        unlinkSync(this.path); // a torn entry never looks staged
      } else {
        this.writer.reusedFiles++;
        this.writer.reusedBytes += this.offset;
      }
    } finally {
      closeSync(this.twin);
    }
  }
}
