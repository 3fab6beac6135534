// What a signal sent to mxctl does. NOTE: Node's default for SIGTERM, SIGINT and SIGHUP is to die
// on the spot: a backup's partial archive stayed behind, and the programs mxctl runs (pg_dump in
// the database container, gpg) worked on. Once the CLI installs these handlers, the first signal
// instead stops what is running at that moment: every program mxctl started (SIGTERM), every HTTP
// request and every wait. The operation then fails where it was, like on any other failure, and
// its own cleanup runs (cleanup may still run programs: a restore drops its side database); the
// CLI boundary exits 128 + the signal's number (143 SIGTERM, 130 SIGINT, 129 SIGHUP).
import { constants } from 'node:os';
import { MxError } from '../core/errors.ts';

export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

let received: StopSignal | undefined;
/** Whether the signal stopped work, or came while a change ran that must finish (withStopHeld). */
let held = false;
let holding = 0;
const halts = new Set<(signal: StopSignal) => void>();

/** From now on, SIGTERM, SIGINT and SIGHUP stop the running work instead of killing mxctl. */
export function installStopHandlers(): void {
  for (const signal of STOP_SIGNALS) process.on(signal, () => stop(signal));
}

/** The stop signal mxctl received, if any. */
export function stopSignal(): StopSignal | undefined {
  return received;
}

/** Whether the stop signal came while `withStopHeld` work ran, which was then finished. */
export function wasStopHeld(): boolean {
  return held;
}

/** The conventional exit status of a process stopped by `signal` (143 for SIGTERM). */
export function exitStatusFor(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

function stop(signal: StopSignal): void {
  // NOTE: one signal is enough, and a terminal's Ctrl-C reaches mxctl and its wrapper alike (the
  // wrapper passes it on): a second one must not cut the cleanup short. kill -9 still does.
  if (received !== undefined) return;
  received = signal;
  if (holding > 0) {
    held = true;
    return;
  }
  for (const halt of [...halts]) halt(signal);
}

/**
 * Runs `work` to its end whatever signal comes meanwhile: for a change that is worse stopped
 * half-way than either finished or not begun (a restore from its swap on). A signal that came
 * before refuses to begin it, unless `evenIfStopped`.
 */
export async function withStopHeld<T>(work: () => Promise<T>, o: { evenIfStopped?: boolean } = {}): Promise<T> {
  // NOTE: evenIfStopped: the work is the way back from a failure a signal may have caused (a
  // rollback); it runs all the same, and its requests and waits are allowed again.
  if (o.evenIfStopped === true && received !== undefined) held = true;
  else throwIfStopped();
  holding++;
  try {
    return await work();
  } finally {
    holding--;
  }
}

/**
 * Calls `halt` when a stop signal arrives while the work it stops runs; call the returned
 * function when that work has ended.
 */
export function onStop(halt: (signal: StopSignal) => void): () => void {
  halts.add(halt);
  return () => halts.delete(halt);
}

/** The failure of a request or a wait that a stop signal ended. */
export function stoppedError(signal: StopSignal): MxError {
  return new MxError('E_ABORTED', `Stopped by ${signal}.`);
}

/** Requests and waits are not started once a signal has stopped work (programs are: cleanup runs them). */
export function throwIfStopped(): void {
  if (received !== undefined && !held) throw stoppedError(received);
}
