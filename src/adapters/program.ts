// Starting a real program and seeing it to its end: its output read as it comes (kept, or left to
// the caller as a stream), a stop signal to mxctl passed on to it (adapters/interrupt.ts), a
// timeout, and a SIGKILL for a program that ignores the SIGTERM it was sent. exec.ts (the
// programs mxctl runs to completion) and restic.ts (its streams) are built on it.
// WHY node:child_process and not execa (DESIGN.md's choice until then): execa loads 111 modules
// into every process that runs a program, the long-running monitor included, for what is this
// file's worth of spawn: ~6 MiB of the monitor's anonymous memory.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { onStop } from './interrupt.ts';

/** What a program whose output nobody bounds may print before it is stopped (execa's default). */
const MAX_OUTPUT_BYTES = 100 * 1024 * 1024;
/** How long output may still come after the program itself ended (from its own children). */
const OUTPUT_GRACE_MS = 2_000;
/** How long a program may take to end after its SIGTERM before it gets a SIGKILL. */
const KILL_AFTER_MS = 5_000;

export interface ProgramOptions {
  cwd?: string | undefined;
  /** Added to mxctl's own environment (an undefined value removes a variable). */
  env?: Record<string, string | undefined> | undefined;
  /** Written to its stdin, which is then closed; else stdin is empty (or mxctl's own, `inherit`). */
  input?: string | Uint8Array | undefined;
  /** A stream fed to its stdin; the program is stopped when the stream fails. */
  inputStream?: Readable | undefined;
  /** Its stdout and stderr are mxctl's own (nothing is kept). */
  inherit?: boolean | undefined;
  /** Its stdout is left to the caller (`ProgramRun.stdout`), not kept. */
  streamStdout?: boolean | undefined;
  /** Called with each non-blank line of its stdout as it comes (restic's progress), besides keeping it. */
  onStdoutLine?: ((line: string) => void) | undefined;
  timeoutMs?: number | undefined;
}

export interface ProgramEnd {
  /** Undefined when a signal ended it, or it never started. */
  exitCode: number | undefined;
  signal: NodeJS.Signals | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** It printed more than MAX_OUTPUT_BYTES and was stopped. */
  tooMuchOutput: boolean;
  /** Why it could not be started (ENOENT: not installed). */
  startError: NodeJS.ErrnoException | undefined;
}

export interface ProgramRun {
  /** Its stdout, when `streamStdout`. */
  stdout: Readable | null;
  /** Resolves (never rejects) once it has ended and its output is read. */
  done: Promise<ProgramEnd>;
  /** Sends `signal` (SIGTERM by default), then SIGKILL if it has not ended KILL_AFTER_MS later. */
  stop: (signal?: NodeJS.Signals) => void;
}

export function startProgram(file: string, args: readonly string[], o: ProgramOptions = {}): ProgramRun {
  const piped = o.input !== undefined || o.inputStream !== undefined;
  const child = spawn(file, args, {
    ...(o.cwd === undefined ? {} : { cwd: o.cwd }),
    env: o.env === undefined ? process.env : { ...process.env, ...o.env },
    stdio: o.inherit === true ? 'inherit' : [piped ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let timedOut = false;
  let tooMuchOutput = false;
  let ended = false;
  const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
    if (ended) return;
    child.kill(signal);
    if (signal !== 'SIGKILL') setTimeout(() => ended || child.kill('SIGKILL'), KILL_AFTER_MS).unref();
  };
  const overflow = () => {
    tooMuchOutput = true;
    stop();
  };
  const out = collect(o.streamStdout === true ? null : child.stdout, overflow);
  if (o.onStdoutLine !== undefined && o.streamStdout !== true) forEachLine(child.stdout, o.onStdoutLine);
  const err = collect(child.stderr, overflow);
  const feeding = feedStdin(child, o, stop);
  const forget = onStop(() => stop());
  const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), stop()), o.timeoutMs);
  const done = new Promise<ProgramEnd>((resolve) => {
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, startError?: NodeJS.ErrnoException) => {
      if (ended) return;
      ended = true;
      forget();
      if (timer !== undefined) clearTimeout(timer);
      resolve({
        exitCode: exitCode ?? undefined,
        signal: signal ?? undefined,
        stdout: out(),
        stderr: err(),
        timedOut,
        tooMuchOutput,
        startError,
      });
    };
    // NOTE: a program that could not start emits 'error' and maybe never 'close'.
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) finish(null, null, error);
    });
    child.once('close', (code, signal) => void feeding.then(() => finish(code, signal)));
    // NOTE: a program's own children may hold its output open after it exited (`sh -c 'sleep &'`):
    // what they print after a short grace is not waited for. A stdout the caller streams is left
    // alone: its reader may be slow, and what is still in the pipe is the program's own output.
    child.once('exit', () => {
      setTimeout(() => {
        if (o.streamStdout !== true) child.stdout?.destroy();
        child.stderr?.destroy();
      }, OUTPUT_GRACE_MS).unref();
    });
  });
  return { stdout: o.streamStdout === true ? child.stdout : null, done, stop };
}

/** Settles once the input is written (or could not be: the program then got stopped). */
async function feedStdin(child: ChildProcess, o: ProgramOptions, stop: () => void): Promise<void> {
  const stdin = child.stdin;
  if (stdin === null) return;
  // A program that exits without reading its input closes the pipe: EPIPE is its answer, not ours.
  stdin.on('error', () => undefined);
  if (o.inputStream === undefined) {
    stdin.end(o.input);
    return;
  }
  // NOTE: pipeline, not pipe: when either side fails the other is destroyed too, so the program
  // producing the input (pg_dump) is not left blocked on a pipe nobody reads.
  await pipeline(o.inputStream, stdin).catch(() => stop());
}

/** Keeps what `stream` prints (up to MAX_OUTPUT_BYTES); returns a reader of it as text. */
function collect(stream: Readable | null, overflow: () => void): () => string {
  const chunks: Buffer[] = [];
  let size = 0;
  stream?.on('data', (chunk: Buffer | string) => {
    if (size > MAX_OUTPUT_BYTES) return;
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk; // a caller's setEncoding
    size += b.length;
    if (size > MAX_OUTPUT_BYTES) overflow();
    else chunks.push(b);
  });
  return () => Buffer.concat(chunks).toString('utf8');
}

function forEachLine(stream: Readable | null, onLine: (line: string) => void): void {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  stream?.on('data', (chunk: Buffer) => {
    const lines = (rest + decoder.write(chunk)).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) if (l.trim() !== '') onLine(l);
  });
}
