// certbot's own record of each run: /var/log/letsencrypt/letsencrypt.log (the newest run),
// letsencrypt.log.1 (the one before), ... Each line starts "YYYY-MM-DD HH:MM:SS,mmm:LEVEL:module:"
// in the container's clock (UTC). Read to say when certbot last tried a renewal and why it failed.
import { classifyCertbotFailure } from './acme-error.ts';
import type { AcmeFailure } from './acme-error.ts';

export type RunOutcome = 'renewed' | 'not-due' | 'failed' | 'unknown';

export interface CertbotRun {
  startedAt: Date;
  /** A `renew` run (the sidecar's loop, `mxctl certs renew`) rather than a first `certonly`. */
  renew: boolean;
  dryRun: boolean;
  forced: boolean;
  outcome: RunOutcome;
  /** Set when the run failed: what kind of failure, in the CA's words. */
  failure?: AcmeFailure;
}

const LINE = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}),(\d{3}):([A-Z]+):[\w.]+:(.*)$/;

/** One log file; undefined when it is not a certbot log (garbage, empty, truncated before its first line). */
export function parseCertbotLog(text: string): CertbotRun | undefined {
  const first = LINE.exec(text.split('\n', 1)[0] ?? '');
  if (first === null) return undefined;
  const [, day, time, ms] = first;
  const startedAt = new Date(`${day}T${time}.${ms}Z`);
  if (Number.isNaN(startedAt.getTime())) return undefined;
  const args = /Arguments: \[(.*)\]/.exec(text)?.[1] ?? '';
  const flags = new Set([...args.matchAll(/'([^']*)'/g)].map((m) => m[1]));
  const run: CertbotRun = {
    startedAt,
    renew: /Notifying user: Processing \/etc\/letsencrypt\/renewal\//.test(text) || flags.has('renew'),
    dryRun: flags.has('--dry-run'),
    forced: flags.has('--force-renewal') || flags.has('--renew-by-default'),
    outcome: outcomeOf(text),
  };
  if (run.outcome === 'failed') run.failure = classifyCertbotFailure(text);
  return run;
}

function outcomeOf(text: string): RunOutcome {
  if (/:ERROR:|Exiting abnormally|Failed to renew certificate/.test(text)) return 'failed';
  if (
    /Congratulations, all (simulated )?renewals succeeded|Successfully received certificate|The dry run was successful/.test(
      text,
    )
  )
    return 'renewed';
  if (/No (simulated )?renewals were attempted|Certificate not yet due for renewal|not due for renewal yet/.test(text))
    return 'not-due';
  return 'unknown';
}

/** A run that asked the CA for a certificate (not a "nothing due" check, not a dry run). */
export function isAttempt(r: CertbotRun): boolean {
  return !r.dryRun && r.outcome !== 'not-due';
}

export interface RenewalHistory {
  /** The newest run of any kind: when certbot last looked. */
  lastRun: CertbotRun | undefined;
  /** The newest real attempt, with its error when it failed. */
  lastAttempt: CertbotRun | undefined;
  /** Log files that were not certbot logs (named so a broken file is seen, not skipped silently). */
  unreadable: number;
}

/** Logs newest first (letsencrypt.log, .1, .2, ...). */
export function renewalHistory(logsNewestFirst: readonly string[]): RenewalHistory {
  let lastRun: CertbotRun | undefined;
  let unreadable = 0;
  for (const text of logsNewestFirst) {
    const run = parseCertbotLog(text);
    if (run === undefined) {
      unreadable++;
      continue;
    }
    lastRun ??= run;
    if (isAttempt(run)) return { lastRun, lastAttempt: run, unreadable };
  }
  return { lastRun, lastAttempt: undefined, unreadable };
}

/** certbot's rotation names: letsencrypt.log, then .1 (newer) … .N (older). */
export function logRank(fileName: string): number | undefined {
  if (fileName === 'letsencrypt.log') return 0;
  const m = /^letsencrypt\.log\.(\d+)$/.exec(fileName);
  return m === null ? undefined : Number(m[1]);
}
