// Durations as admins type them ("90d", "7d", "12h", "30m", "45s", "2w") and absolute times
// ("2026-01-31", ISO 8601, or epoch milliseconds). Pure: `now` is passed in.
import { MxError } from '../errors.ts';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/** "90d" → milliseconds. A bare number is refused: "90" could mean seconds or days. */
export function parseDuration(text: string, what = 'duration'): number {
  const m = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (m === null) {
    throw new MxError('E_INVALID_INPUT', `${what} "${text}" is not a duration.`, {
      hint: 'Use a number with a unit: 45s, 30m, 12h, 7d, 2w.',
    });
  }
  const n = Number(m[1]);
  const ms = n * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(ms)) throw new MxError('E_INVALID_INPUT', `${what} "${text}" is too large.`);
  return ms;
}

/** A point in time: an ISO 8601 date/time or epoch milliseconds. */
export function parseInstant(text: string, what = 'time'): number {
  const t = text.trim();
  const ms = /^\d{12,}$/.test(t) ? Number(t) : Date.parse(t);
  if (!Number.isFinite(ms) || t === '') {
    throw new MxError('E_INVALID_INPUT', `${what} "${text}" is not a date.`, {
      hint: 'Use an ISO 8601 date such as 2026-01-31 or 2026-01-31T12:00:00Z, or epoch milliseconds.',
    });
  }
  return ms;
}

/** "never" → null, "7d" → now + 7 days. For token expiries. */
export function parseExpiry(text: string, now: number): number | null {
  if (text.trim().toLowerCase() === 'never') return null;
  if (/^\d+\s*[smhdw]$/.test(text.trim())) return now + parseDuration(text, 'expiry');
  const at = parseInstant(text, 'expiry');
  if (at <= now)
    throw new MxError('E_INVALID_INPUT', `expiry ${new Date(at).toISOString()} is in the past.`, {
      hint: 'Give a duration from now (7d) or a future date.',
    });
  return at;
}

/** The cut-off for "older than": either now - duration, or an absolute time that must be in the past. */
export function resolveCutoff(o: { olderThan?: string | undefined; before?: string | undefined }, now: number): number {
  if ((o.olderThan === undefined) === (o.before === undefined)) {
    throw new MxError('E_USAGE', 'Give exactly one of --older-than DURATION or --before DATE.');
  }
  if (o.olderThan !== undefined) {
    const ms = parseDuration(o.olderThan, '--older-than');
    if (ms === 0) throw new MxError('E_INVALID_INPUT', '--older-than must be more than zero.');
    return now - ms;
  }
  const at = parseInstant(o.before ?? '', '--before');
  if (at > now) {
    throw new MxError('E_INVALID_INPUT', `--before ${new Date(at).toISOString()} is in the future.`, {
      hint: 'A purge cut-off must be in the past; nothing was purged.',
    });
  }
  return at;
}

export function formatTimestamp(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms === 0) return '-';
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
