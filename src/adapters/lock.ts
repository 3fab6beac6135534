// A single-writer lock file: {pid, host, started, heartbeat}. Created with O_EXCL; refreshed
// while held; taken over only when its holder is provably gone (same host, dead pid) or its
// heartbeat is older than `staleMs` (restic's rule, DESIGN.md §7.6).
import { open, readdir, readFile, rm, utimes, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MxError } from '../core/errors.ts';

export interface HeldLock {
  path: string;
  release(): Promise<void>;
}

interface LockInfo {
  pid: number;
  host: string;
  started: string;
  purpose: string;
}

/** Whether a pid on this host is running (EPERM: it is, but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Scratch folders named `<prefix><pid>-…` by their owner: those whose owner is gone (a kill -9
 * skips every cleanup) are removed. Returns the folder to create for this process.
 */
export async function sweepOwnedScratch(dir: string, prefix: string): Promise<string> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid))
      await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  }
  return join(dir, `${prefix}${process.pid}-`);
}

async function readLock(path: string): Promise<{ info: LockInfo | undefined; mtimeMs: number } | undefined> {
  try {
    const [text, s] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    let info: LockInfo | undefined;
    try {
      info = JSON.parse(text) as LockInfo;
    } catch {
      info = undefined; // a lock written halfway by a killed run
    }
    return { info, mtimeMs: s.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function acquireLock(
  path: string,
  purpose: string,
  o: { staleMs?: number; heartbeatMs?: number } = {},
): Promise<HeldLock> {
  const staleMs = o.staleMs ?? 10 * 60_000;
  const heartbeatMs = o.heartbeatMs ?? 30_000;
  const info: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString(), purpose };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(info));
      await handle.sync();
      await handle.close();
      const timer = setInterval(() => {
        const now = new Date();
        utimes(path, now, now).catch(() => undefined);
      }, heartbeatMs);
      timer.unref();
      return {
        path,
        async release() {
          clearInterval(timer);
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = await readLock(path);
    if (held === undefined) continue;
    const sameHostDead = held.info !== undefined && held.info.host === info.host && !isProcessAlive(held.info.pid);
    const stale = Date.now() - held.mtimeMs > staleMs;
    const halfWritten = held.info === undefined && Date.now() - held.mtimeMs > 5_000;
    if (sameHostDead || stale || halfWritten) {
      await rm(path, { force: true });
      continue;
    }
    const who =
      held.info === undefined
        ? 'another mxctl'
        : `mxctl pid ${held.info.pid} on ${held.info.host} (${held.info.purpose}, since ${held.info.started})`;
    // NOTE: two locks exist: the backup folder's (backup, restore) and the upgrade's (upgrade, rollback).
    const kind = path.endsWith('upgrade.lock') ? 'upgrade or rollback' : 'backup or restore';
    throw new MxError('E_BACKUP_LOCKED', `Another ${kind} is running: ${who}.`, {
      hint: `Wait for it to finish. If no mxctl is running, remove ${path}.`,
    });
  }
  throw new MxError('E_BACKUP_LOCKED', `Could not take the lock ${path}.`);
}

/** Takes single-writer locks (a file per lock); injected so tests can hold or refuse one. */
export interface Locker {
  acquire(path: string, purpose: string): Promise<HeldLock>;
}

export const fileLocker: Locker = { acquire: (path, purpose) => acquireLock(path, purpose) };

/** Runs `work` holding the lock at `path`; the lock is released however `work` ends. */
export async function withLock<T>(locker: Locker, path: string, purpose: string, work: () => Promise<T>): Promise<T> {
  const lock = await locker.acquire(path, purpose);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
