// Which backups a prune keeps: the newest per day / ISO week / month for the last N of each
// (restic's forget semantics), plus the newest backup and the newest verified backup, always.
// Fails closed: an empty listing or an empty policy prunes nothing. Pure.

export interface RetentionPolicy {
  daily: number;
  weekly: number;
  monthly: number;
}

export const DEFAULT_POLICY: RetentionPolicy = { daily: 7, weekly: 4, monthly: 6 };

export interface RetentionCandidate {
  id: string;
  createdAt: Date;
  verified: boolean;
}

/** Candidates from listed backups, whose creation time is an ISO 8601 string (manifest's created_at). */
export function candidatesFrom(
  listed: readonly { id: string; createdAt: string; verified: boolean }[],
): RetentionCandidate[] {
  return listed.map((b) => ({ id: b.id, createdAt: new Date(b.createdAt), verified: b.verified }));
}

export type RetentionPlan =
  { ok: true; keep: { id: string; reasons: string[] }[]; remove: string[] } | { ok: false; reason: string };

function dayKey(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function monthKey(d: Date): string {
  return d.toISOString().slice(0, 7);
}

/** ISO 8601 week, e.g. 2026-W48 (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeekKey(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const dow = t.getUTCDay() === 0 ? 7 : t.getUTCDay();
  t.setUTCDate(t.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

export function planRetention(backups: readonly RetentionCandidate[], policy: RetentionPolicy): RetentionPlan {
  if (backups.length === 0) return { ok: false, reason: 'the listing is empty: nothing is pruned on an empty listing' };
  if (policy.daily + policy.weekly + policy.monthly <= 0)
    return { ok: false, reason: 'the policy keeps nothing: refusing to delete every backup' };
  const newestFirst = [...backups].sort(
    (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id),
  );
  const reasons = new Map<string, string[]>();
  const add = (id: string, why: string) => reasons.set(id, [...(reasons.get(id) ?? []), why]);

  const buckets: [string, number, (d: Date) => string][] = [
    ['daily', policy.daily, dayKey],
    ['weekly', policy.weekly, isoWeekKey],
    ['monthly', policy.monthly, monthKey],
  ];
  for (const [name, count, key] of buckets) {
    const seen = new Set<string>();
    for (const b of newestFirst) {
      if (seen.size >= count) break;
      const k = key(b.createdAt);
      if (seen.has(k)) continue;
      seen.add(k);
      add(b.id, `${name} ${k}`);
    }
  }
  const newest = newestFirst[0];
  if (newest !== undefined) add(newest.id, 'newest');
  const newestVerified = newestFirst.find((b) => b.verified);
  if (newestVerified !== undefined) add(newestVerified.id, 'newest verified');

  const keep = newestFirst
    .filter((b) => reasons.has(b.id))
    .map((b) => ({ id: b.id, reasons: reasons.get(b.id) ?? [] }));
  const remove = newestFirst.filter((b) => !reasons.has(b.id)).map((b) => b.id);
  return { ok: true, keep, remove };
}
