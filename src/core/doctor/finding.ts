// What a health check returns: data, never a thrown error (infrastructure failures throw; a
// sick server is a finding). Shared by `mxctl doctor` and, later, the monitor daemon.

export type Severity = 'ok' | 'warn' | 'fail';

export interface Finding {
  /** Stable id, e.g. "db.connections"; alerts and tests key on it. */
  id: string;
  status: Severity;
  /** One line: what is true. */
  summary: string;
  /** The facts behind it (values read, lines seen). */
  evidence: string[];
  /** The runbook's fix, in words. Present whenever status is not ok. */
  fix?: string;
}

export const ok = (id: string, summary: string, evidence: string[] = []): Finding => ({
  id,
  status: 'ok',
  summary,
  evidence,
});
export const warn = (id: string, summary: string, fix: string, evidence: string[] = []): Finding => ({
  id,
  status: 'warn',
  summary,
  evidence,
  fix,
});
export const fail = (id: string, summary: string, fix: string, evidence: string[] = []): Finding => ({
  id,
  status: 'fail',
  summary,
  evidence,
  fix,
});

const RANK: Record<Severity, number> = { ok: 0, warn: 1, fail: 2 };

export function worst(findings: readonly Finding[]): Severity {
  return findings.reduce<Severity>((w, f) => (RANK[f.status] > RANK[w] ? f.status : w), 'ok');
}
