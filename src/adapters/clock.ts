// The machine's clock (reading it is a side effect, like any other input).
import type { Clock } from '../core/clock.ts';

export const systemClock: Clock = { now: () => new Date() };

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
