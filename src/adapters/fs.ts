// Local files: writes that survive a crash (temp file, fsync, rename, fsync the folder) and the few reads ops need.
import {
  open,
  rename,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rmdir,
  stat,
  statfs,
  chmod,
  rm,
  access,
  constants,
} from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode = 0o644,
  owner?: { uid: number; gid: number },
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode); // NOTE: open's mode is masked by umask; secrets must be exactly 0600.
    // NOTE: before the rename, so the file is never briefly unreadable to its owner (synapse, UID 991).
    if (owner !== undefined) await handle.chown(owner.uid, owner.gid);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(tmp, path);
  await fsyncDir(dir);
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    // NOTE: stat, not access(2): access checks with the real uid and drops capabilities, so the
    // monitor's container (uid 10001 with CAP_DAC_OVERRIDE) would find no deployment in a 0700 folder.
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export async function isWritableDir(path: string): Promise<boolean> {
  try {
    await access(path, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function fileMode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

/** A write failed for want of space (the disk or a quota): permanent, not worth a retry. */
export function isNoSpace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** A failed system call on this machine (has an errno code), as opposed to bad archive data. */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === 'string' &&
    typeof (error as NodeJS.ErrnoException).syscall === 'string'
  );
}

export interface DiskUsage {
  path: string;
  totalBytes: number;
  freeBytes: number;
  usedFraction: number;
}

/** Usage of the filesystem holding `path`, as `df` reports it (blocks available to non-root). */
export async function diskUsage(path: string): Promise<DiskUsage> {
  const s = await statfs(path);
  const total = s.blocks * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  const avail = s.bavail * s.bsize;
  return { path, totalBytes: total, freeBytes: avail, usedFraction: used + avail === 0 ? 0 : used / (used + avail) };
}

export { chmod, mkdir };
/**
 * Fills `path` through a temp name beside it: `fill` writes the temp file, which is made 0600,
 * fsynced and renamed into place; on any failure the temp file is removed and the error rethrown.
 * So a download cut short never leaves a file under the final name.
 */
export async function writeViaTemp(path: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${path}.download`;
  try {
    await fill(tmp);
    const f = await open(tmp, 'r+');
    try {
      await f.chmod(0o600);
      await f.sync();
    } finally {
      await f.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Replaces an existing file atomically, keeping its mode and owner (a root-run mxctl editing synapse's config). */
export async function replaceFileAtomic(path: string, data: string): Promise<void> {
  const st = await stat(path);
  const owner = process.getuid?.() === 0 ? { uid: st.uid, gid: st.gid } : undefined;
  await writeFileAtomic(path, data, st.mode & 0o777, owner);
}

/** A text file's content, or undefined when there is no such file. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isSystemError(error) && error.code === 'ENOENT') return undefined;
    throw error;
  }
}

/** When a file was last modified. */
export async function modifiedAt(path: string): Promise<Date> {
  return (await stat(path)).mtime;
}

// Small file operations for the operations layer (which imports no node:fs itself).

/** A folder only its owner may enter (0700, whatever the umask), created when missing. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** A new private folder named `prefix` + random characters. */
export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(prefix);
}

export function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

export function readBytes(path: string): Promise<Buffer> {
  return readFile(path);
}

/** The text of `path`, or undefined when it cannot be read. */
export async function readTextIfAny(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The size of `path` in bytes, or undefined when it is not there. */
export async function sizeIfAny(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

export function moveFile(from: string, to: string): Promise<void> {
  return rename(from, to);
}

/** Removes a file or a whole tree; nothing there is not an error. */
export function removePath(path: string): Promise<void> {
  return rm(path, { recursive: true, force: true });
}

/** Removes a folder only if it is empty; anything else (not empty, gone) is left as it is. */
export async function removeEmptyDir(path: string): Promise<void> {
  await rmdir(path).catch(() => undefined);
}

/** A sink that takes a stream's bytes and keeps none. */
export function discardSink(): Writable {
  return new Writable({ write: (_chunk, _enc, done) => done() });
}
