// A certificate judged against its own lifetime, never a fixed number of days: public CAs move
// to 45–64-day certificates and the lab's pebble issues certificates of minutes, so "21 days
// left" would fire before every normal renewal of one and never for the other.

export const DAY_MS = 86_400_000;

/** The levels monitoring maps to alerts: warn below 1/4 left (or a due renewal that has not happened), critical below 1/10 or 3 days. */
export type CertLevel = 'ok' | 'warn' | 'critical' | 'expired';

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export interface LifetimeFacts {
  lifetimeMs: number;
  leftMs: number;
  /** Share of the lifetime still left, 0..1 (0 once expired). */
  leftShare: number;
  /** When certbot renews it by its own rule (the CA's ARI window, when offered, may move it). */
  renewAt: Date;
  /** renewAt has passed. */
  due: boolean;
}

/**
 * certbot's `_default_renewal_time` (certbot/_internal/renewal.py): at 2/3 of the lifetime, or
 * at half of it for certificates shorter than 10 days.
 */
export function certbotRenewalTime(v: Validity): Date {
  const lifetime = v.notAfter.getTime() - v.notBefore.getTime();
  const share = lifetime < 10 * DAY_MS ? 1 / 2 : 2 / 3;
  return new Date(v.notBefore.getTime() + lifetime * share);
}

export function lifetimeFacts(v: Validity, now: Date): LifetimeFacts {
  const lifetimeMs = Math.max(0, v.notAfter.getTime() - v.notBefore.getTime());
  const leftMs = v.notAfter.getTime() - now.getTime();
  const leftShare = lifetimeMs === 0 ? 0 : Math.min(1, Math.max(0, leftMs / lifetimeMs));
  const renewAt = certbotRenewalTime(v);
  return { lifetimeMs, leftMs, leftShare, renewAt, due: now.getTime() >= renewAt.getTime() };
}

/**
 * How long a due renewal may wait before it counts as missed: the sidecar asks every 12 h and
 * certbot adds up to 8 minutes of random delay; a short certificate gets a twelfth of its
 * lifetime (the gap between certbot's 1/3-left renewal and the 1/4-left warning).
 */
export function renewalGraceMs(lifetimeMs: number): number {
  return Math.min(12.5 * 3_600_000, lifetimeMs / 12);
}

export interface CertJudgement {
  level: CertLevel;
  /** Why, in words; empty when ok. */
  reasons: string[];
}

/** The thresholds of issue 16, for `certs status`, `doctor`, monitoring and the Prometheus rules. */
export function judgeLifetime(v: Validity, now: Date): CertJudgement {
  const f = lifetimeFacts(v, now);
  if (f.leftMs <= 0) return { level: 'expired', reasons: [`EXPIRED ${formatDuration(-f.leftMs)} ago`] };
  if (f.leftMs < 3 * DAY_MS)
    return { level: 'critical', reasons: [`expires in ${formatDuration(f.leftMs)} (under 3 days)`] };
  if (f.leftShare < 1 / 10)
    return {
      level: 'critical',
      reasons: [
        `expires in ${formatDuration(f.leftMs)} (${percent(f.leftShare)}: under 10 % of its ${formatDuration(f.lifetimeMs)} lifetime)`,
      ],
    };
  if (f.leftShare < 1 / 4)
    return {
      level: 'warn',
      reasons: [
        `expires in ${formatDuration(f.leftMs)} (${percent(f.leftShare)}: under a quarter of its ${formatDuration(f.lifetimeMs)} lifetime)`,
      ],
    };
  if (now.getTime() > f.renewAt.getTime() + renewalGraceMs(f.lifetimeMs)) {
    return { level: 'warn', reasons: [`renewal was due at ${f.renewAt.toISOString()} and has not happened`] };
  }
  return { level: 'ok', reasons: [] };
}

const RANK: Record<CertLevel, number> = { ok: 0, warn: 1, critical: 2, expired: 3 };

export function worstLevel(levels: readonly CertLevel[]): CertLevel {
  return levels.reduce<CertLevel>((w, l) => (RANK[l] > RANK[w] ? l : w), 'ok');
}

export function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

/** "6.0 days", "3.2 hours", "2.5 minutes", "40 seconds": the unit that suits the span. */
export function formatDuration(ms: number): string {
  const s = Math.abs(ms) / 1000;
  if (s >= 86_400) return `${(s / 86_400).toFixed(1)} days`;
  if (s >= 3600) return `${(s / 3600).toFixed(1)} hours`;
  if (s >= 120) return `${(s / 60).toFixed(1)} minutes`;
  return `${Math.round(s)} seconds`;
}
