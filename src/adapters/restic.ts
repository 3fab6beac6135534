// restic, the real program, for a deployment's repository (BACKUP_MODE=repository). The password
// reaches restic only through RESTIC_PASSWORD_FILE: a 0600 file in a private temp folder, made
// for one command and removed after it; never argv, never an environment variable holding the
// secret itself. The repository, S3 keys and rclone's config path go through the environment of
// the restic process only (nothing logs it). Failures are MxErrors with the codes of
// restic-output.ts (wrong password, missing, locked, corrupt, no space).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { MxError } from '../core/errors.ts';
import { startProgram } from './program.ts';
import { isProcessAlive, sweepOwnedScratch } from './lock.ts';
import {
  backupStatusSchema,
  backupSummarySchema,
  lockSchema,
  parseJson,
  resticError,
  snapshotSchema,
  statsSchema,
} from './restic-output.ts';
import type { BackupSummary, ResticLock, Snapshot } from './restic-output.ts';

export type { BackupSummary, Snapshot } from './restic-output.ts';

export interface ResticConfig {
  /** RESTIC_REPOSITORY: a local path, s3:URL/BUCKET/PREFIX or rclone:REMOTE:PATH. */
  repository: string;
  password: string;
  /** Extra environment for restic (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, RCLONE_CONFIG). */
  env?: Record<string, string>;
  /** restic's --host: one name for the deployment, so a moved server keeps its parent snapshots. */
  host: string;
}

export interface BackupRun {
  tags: readonly string[];
  /** Bytes done and the total (when restic knows it), from its status lines. */
  onProgress?: (done: number, total: number | undefined) => void;
}

export interface CheckResult {
  ok: boolean;
  /** restic's own words (the last lines), for the report. */
  output: string;
}

/** A stream restic writes (`restic dump`); `done` settles when it has exited. */
export interface ResticStream {
  stdout: Readable;
  done: Promise<void>;
  kill(): void;
}

export interface Restic {
  /** Where the repository is, without credentials. */
  readonly description: string;
  /** Whether a repository is there (restic's "is there a repository" is `false`; any other failure throws). */
  exists(): Promise<boolean>;
  init(): Promise<void>;
  backupStdin(input: Readable, filename: string, o: BackupRun): Promise<BackupSummary>;
  /** Backs up `dir` as `.`: the snapshot's root holds the folder's entries. */
  backupFolder(dir: string, excludes: readonly string[], o: BackupRun): Promise<BackupSummary>;
  /** Snapshots carrying every tag given (none: all). */
  snapshots(tags?: readonly string[]): Promise<Snapshot[]>;
  dump(snapshot: string, path: string): ResticStream;
  restore(snapshot: string, target: string): Promise<void>;
  /** `restic check`; `readData`: 'all' (--read-data) or a subset ('5%', '1/7'). */
  check(readData?: string): Promise<CheckResult>;
  forget(snapshots: readonly string[]): Promise<void>;
  prune(): Promise<void>;
  /** Bytes of (compressed, encrypted) data the repository holds. */
  rawDataBytes(): Promise<number>;
  /** Locks left by restic processes that are gone (same host, dead pid): removed. Live ones: returned. */
  clearStaleLocks(): Promise<{ removed: number; live: ResticLock[] }>;
}

interface Invocation {
  purpose: string;
  cwd?: string;
  input?: Readable;
  onLine?: (line: string) => void;
}

export function createRestic(c: ResticConfig): Restic {
  const description = c.repository.replace(/\/\/[^@/]*@/, '//');
  const exec = (args: readonly string[], i: Invocation) => runRestic(c, args, i);
  const json = async (args: readonly string[], purpose: string) =>
    (await exec([...args, '--json'], { purpose })).stdout;
  return {
    description,
    exists: async () => {
      try {
        await exec(['cat', 'config', '--no-lock'], { purpose: 'opening the repository' });
        return true;
      } catch (error) {
        if (error instanceof MxError && error.code === 'E_REPOSITORY_MISSING') return false;
        throw error;
      }
    },
    init: async () => {
      await exec(['init'], { purpose: 'creating the repository' });
    },
    backupStdin: (input, filename, o) =>
      backup(exec, ['backup', '--stdin', '--stdin-filename', filename, ...common(c, o)], o, input),
    backupFolder: (dir, excludes, o) =>
      backup(exec, ['backup', ...excludes.flatMap((e) => ['--exclude', e]), ...common(c, o), '.'], o, undefined, dir),
    snapshots: async (tags = []) => {
      const text = await json(
        ['snapshots', '--no-lock', ...(tags.length > 0 ? ['--tag', tags.join(',')] : [])],
        'listing snapshots',
      );
      return parseJson(snapshotSchema.array().nullable(), text, 'snapshots') ?? [];
    },
    dump: (snapshot, path) => dumpStream(c, snapshot, path),
    restore: async (snapshot, target) => {
      await exec(['restore', snapshot, '--target', target], { purpose: 'restoring files from the repository' });
    },
    check: (readData) => check(c, readData),
    forget: async (snapshots) => {
      if (snapshots.length > 0) await exec(['forget', ...snapshots], { purpose: 'forgetting snapshots' });
    },
    prune: async () => {
      await exec(['prune'], { purpose: 'pruning unreferenced data' });
    },
    rawDataBytes: async () =>
      parseJson(statsSchema, await json(['stats', '--mode', 'raw-data'], 'reading the repository size'), 'stats')
        .total_size,
    clearStaleLocks: () => clearStaleLocks(exec),
  };
}

function common(c: ResticConfig, o: BackupRun): string[] {
  return ['--json', '--host', c.host, ...o.tags.flatMap((t) => ['--tag', t])];
}

async function backup(
  exec: (args: readonly string[], i: Invocation) => Promise<{ stdout: string }>,
  args: readonly string[],
  o: BackupRun,
  input: Readable | undefined,
  cwd?: string,
): Promise<BackupSummary> {
  let summary: BackupSummary | undefined;
  await exec(args, {
    purpose: 'writing to the repository',
    ...(input === undefined ? {} : { input }),
    ...(cwd === undefined ? {} : { cwd }),
    onLine: (line) => {
      if (line.includes('"message_type":"summary"')) summary = parseJson(backupSummarySchema, line, 'backup');
      else if (o.onProgress !== undefined && line.includes('"message_type":"status"')) {
        const s = backupStatusSchema.safeParse(JSON.parse(line));
        if (s.success) o.onProgress(s.data.bytes_done ?? 0, s.data.total_bytes);
      }
    },
  });
  if (summary === undefined) throw new MxError('E_COMMAND_FAILED', 'restic backup ended without its summary.');
  return summary;
}

async function check(c: ResticConfig, readData: string | undefined): Promise<CheckResult> {
  const extra = readData === undefined ? [] : readData === 'all' ? ['--read-data'] : [`--read-data-subset=${readData}`];
  try {
    const r = await runRestic(c, ['check', ...extra], { purpose: 'checking the repository' });
    return { ok: true, output: lastLines(r.stdout) };
  } catch (error) {
    // A damaged repository is a result of the check, not a failure to run it.
    if (error instanceof MxError && error.code === 'E_REPOSITORY_CORRUPT')
      return { ok: false, output: error.detail ?? error.message };
    throw error;
  }
}

async function clearStaleLocks(
  exec: (args: readonly string[], i: Invocation) => Promise<{ stdout: string }>,
): Promise<{ removed: number; live: ResticLock[] }> {
  const ids = (await exec(['list', 'locks', '--no-lock'], { purpose: 'listing locks' })).stdout
    .split('\n')
    .filter(Boolean);
  const live: ResticLock[] = [];
  let stale = 0;
  for (const id of ids) {
    const text = (await exec(['cat', 'lock', id, '--no-lock'], { purpose: 'reading a lock' })).stdout;
    const lock = parseJson(lockSchema, text, 'cat lock');
    // NOTE: only a holder provably gone counts as stale (this host, its pid dead): a lock of
    // another machine, or of a process still running here, is someone's work in progress.
    if (lock.hostname === hostname() && !isProcessAlive(lock.pid)) stale++;
    else live.push(lock);
  }
  // `restic unlock` (without --remove-all) removes only locks restic itself judges stale.
  if (stale > 0) await exec(['unlock'], { purpose: 'removing stale locks' });
  return { removed: stale, live };
}

function lastLines(text: string, n = 4): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** A private folder with the password file for one restic command; removed by the returned function. */
async function passwordFile(password: string): Promise<{ path: string; remove: () => Promise<void> }> {
  // NOTE: named by our pid: a run killed with -9 skips its cleanup, and the next one removes
  // the password files of processes that are gone.
  const dir = await mkdtemp(await sweepOwnedScratch(tmpdir(), 'mxctl-restic-'));
  const path = join(dir, 'password');
  await writeFile(path, password, { mode: 0o600 });
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

function envOf(c: ResticConfig, passwordPath: string): Record<string, string> {
  return { ...c.env, RESTIC_REPOSITORY: c.repository, RESTIC_PASSWORD_FILE: passwordPath, RESTIC_PROGRESS_FPS: '2' };
}

async function runRestic(
  c: ResticConfig,
  args: readonly string[],
  i: Invocation,
): Promise<{ stdout: string; stderr: string }> {
  const pw = await passwordFile(c.password);
  try {
    const r = await startProgram('restic', args, {
      env: envOf(c, pw.path),
      cwd: i.cwd,
      inputStream: i.input,
      onStdoutLine: i.onLine,
    }).done;
    if (r.startError?.code === 'ENOENT')
      throw new MxError('E_TOOL_MISSING', `${i.purpose}: restic is not installed.`, {
        hint: 'apt-get install restic (docs/RUNBOOK.md and the README say how).',
      });
    if (r.exitCode !== 0) throw resticError(i.purpose, r.exitCode, r.signal, r.stderr);
    return { stdout: r.stdout, stderr: r.stderr };
  } finally {
    await pw.remove();
  }
}

/** `restic dump SNAPSHOT PATH` as a stream (never buffered whole: a dump can be gigabytes). */
function dumpStream(c: ResticConfig, snapshot: string, path: string): ResticStream {
  let kill: () => void = () => undefined;
  const out = new PassThrough();
  const done = (async () => {
    const pw = await passwordFile(c.password);
    try {
      const sub = startProgram('restic', ['dump', snapshot, path], { env: envOf(c, pw.path), streamStdout: true });
      kill = () => sub.stop('SIGKILL');
      sub.stdout?.pipe(out);
      const r = await sub.done;
      if (r.exitCode !== 0) {
        const error = resticError('reading a backup from the repository', r.exitCode, r.signal, r.stderr);
        out.destroy(error);
        throw error;
      }
    } finally {
      await pw.remove();
    }
  })();
  done.catch(() => undefined);
  return { stdout: out, done, kill: () => kill() };
}
