// When the monitor's timed work is due: the daily backup and prune, the monthly restore drill, and
// the dead-man's ping. Pure: each decision is a function of the setting, the last run and now.
// Times of day are the host's local time (TZ), as cron reads its lines.
//   - A daily job runs once per slot (HH:MM each day). A slot missed while the monitor was down is
//     caught up at the next start, but only when the job has run before: a first start at 14:00
//     does not begin with a backup the admin did not ask for then.
//   - The monthly drill runs at its daily slot once the last one is 30 days old (or never ran).
import { MxError } from '../errors.ts';

export interface TimeOfDay {
  hour: number;
  minute: number;
}

/** "03:00" → {3, 0}; a clear error otherwise. */
export function parseTimeOfDay(text: string, setting: string): TimeOfDay {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (m === null)
    throw new MxError('E_CONFIG_INVALID', `${setting}=${text} is not a time of day.`, {
      hint: `Write it as HH:MM, 24-hour, in the host's local time (e.g. ${setting}=03:00), or leave it empty for off.`,
    });
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/** The latest HH:MM slot at or before `now` (today's, or yesterday's when today's is still ahead). */
export function latestSlot(t: TimeOfDay, now: Date): Date {
  const slot = new Date(now);
  slot.setHours(t.hour, t.minute, 0, 0);
  if (slot.getTime() > now.getTime()) slot.setDate(slot.getDate() - 1);
  return slot;
}

/** A first run is only started within this long after its slot (no surprise backup at start-up). */
export const FIRST_RUN_GRACE_MS = 3_600_000;

export function isDailyDue(t: TimeOfDay, lastRun: Date | undefined, now: Date): boolean {
  const slot = latestSlot(t, now);
  if (lastRun === undefined) return now.getTime() - slot.getTime() < FIRST_RUN_GRACE_MS;
  return lastRun.getTime() < slot.getTime();
}

export const DRILL_EVERY_MS = 30 * 86_400_000;

export function isMonthlyDue(t: TimeOfDay, lastRun: Date | undefined, now: Date): boolean {
  if (lastRun === undefined) return isDailyDue(t, undefined, now);
  if (now.getTime() - lastRun.getTime() < DRILL_EVERY_MS - 86_400_000) return false;
  // NOTE: a day's slack: the drill keeps its time of day instead of creeping later each month.
  return isDailyDue(t, lastRun, now);
}

/** The dead-man's ping: due every `minutes` while passes succeed; never after a failed pass. */
export function isPingDue(lastPing: Date | undefined, minutes: number, now: Date, lastPassOk: boolean): boolean {
  if (!lastPassOk) return false;
  return lastPing === undefined || now.getTime() - lastPing.getTime() >= minutes * 60_000;
}

/**
 * How long the monitor waits before its next pass: to the next tick of its interval, or sooner, to
 * the moment a signal waiting out its window is due (`nextDecisionAt`), so that alert is not
 * held back up to one more interval. A decision already past is left to the tick: it belongs to
 * a signal the last pass could not read, and an early pass would not read it either.
 */
export function passDelayMs(o: {
  lastStart: number;
  intervalMs: number;
  decisionAt?: Date | undefined;
  now: number;
}): number {
  const tick = o.lastStart + o.intervalMs;
  const at = o.decisionAt?.getTime();
  const next = at !== undefined && at > o.now ? Math.min(tick, at) : tick;
  return Math.max(0, next - o.now);
}
