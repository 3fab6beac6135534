// The machine's clock (reading it is a side effect, like any other input).
import type { Clock } from '../core/clock.ts';
import { onStop, stoppedError, throwIfStopped } from './interrupt.ts';

export const systemClock: Clock = { now: () => new Date() };

/** Waits `ms`; a stop signal (adapters/interrupt.ts) ends the wait with a failure. */
export async function sleep(ms: number): Promise<void> {
  // NOTE: async, so a signal that came before the wait is a rejected promise, never a synchronous
  // throw: `sleep(n).catch(...)` must catch it (the monitor's loop was cut short by one).
  throwIfStopped();
  return new Promise((resolve, reject) => {
    const forget = onStop((signal) => {
      clearTimeout(timer);
      reject(stoppedError(signal));
    });
    const timer = setTimeout(() => {
      forget();
      resolve();
    }, ms);
  });
}
