// Writing the staged copy of an archive's files, with their archived mode and owner.
// NOTE: synchronous on purpose. A media store is ~20k small files, and the async calls per file
// (mkdir, open, a write per 64 KiB, chmod, chown, close: each a thread-pool round trip) made
// staging several times slower than the decryption feeding it. These calls hit the page cache
// and return in microseconds; nothing else waits on the event loop meanwhile but the streams.
import { closeSync, fchmodSync, fchownSync, fsyncSync, lchownSync, mkdirSync, openSync, symlinkSync, writeSync, chmodSync } from 'node:fs';
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

export class StagingWriter {
  private readonly made = new Set<string>();

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
    for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at);
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
