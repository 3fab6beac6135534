// Output: tables for people, JSON for scripts, progress lines and bars only on a terminal.
import { renderBar } from '../core/progress.ts';
import type { Meter } from '../core/progress.ts';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(headers)}\n${rows.map(line).join('\n')}${rows.length > 0 ? '\n' : ''}`);
}

/** Progress for long work: shown on a TTY (stderr), silent in scripts and with --json. */
export function progress(enabled: boolean): (line: string) => void {
  return progressDisplay(enabled).step;
}

export interface ProgressDisplay {
  step: (line: string) => void;
  meter: Meter;
  /** Erases a bar still drawn; call before printing the result. */
  end: () => void;
}

/**
 * Steps as lines plus a live bar for the bytes of the current step, redrawn at most 10 times a
 * second on stderr; the rate is taken over the last few seconds so a stall shows as one.
 */
export function progressDisplay(enabled: boolean): ProgressDisplay {
  const tty = enabled && process.stderr.isTTY === true;
  if (!tty) return { step: () => undefined, meter: () => undefined, end: () => undefined };
  let label = '';
  let drawn = false;
  let lastDraw = 0;
  let samples: { at: number; done: number }[] = [];
  const erase = () => {
    if (drawn) process.stderr.write('\r\x1b[K');
    drawn = false;
  };
  return {
    step(line) {
      erase();
      label = line.split(' ')[0] ?? '';
      samples = [];
      process.stderr.write(`… ${line}\n`);
    },
    meter(done, total) {
      const now = Date.now();
      samples.push({ at: now, done });
      while (samples.length > 2 && (samples[0]?.at ?? now) < now - 5000) samples.shift();
      if (now - lastDraw < 100 && done !== total) return;
      lastDraw = now;
      const first = samples[0];
      const rate = first !== undefined && now > first.at ? ((done - first.done) * 1000) / (now - first.at) : 0;
      process.stderr.write(
        `\r${renderBar({ label, done, total, bytesPerSecond: rate, width: process.stderr.columns || 80 })}\x1b[K`,
      );
      drawn = true;
    },
    end: erase,
  };
}

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
