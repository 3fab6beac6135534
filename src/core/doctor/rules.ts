// The thresholds behind doctor's findings. Pure, so the monitor daemon applies the same rules.
import type { Finding } from './finding.ts';
import { fail, ok, warn } from './finding.ts';

// Certificates are judged by src/core/certs/lifetime.ts (judgeLifetime), shared with `mxctl certs status`.

/** The seed's 80 % warning; 90 % fails (doctor) / is critical (check). Shared by both. */
export const DISK_WARN_FRACTION = 0.8;
export const DISK_FAIL_FRACTION = 0.9;
export const DISK_FIX =
  'Free space (old backups, docker image prune, purge remote media with `mxctl media purge-remote`), or grow the volume / move media to S3.';

export function judgeDisk(id: string, what: string, usedFraction: number, evidence: string[]): Finding {
  const pct = `${Math.round(usedFraction * 100)}%`;
  const fix = DISK_FIX;
  if (usedFraction >= DISK_FAIL_FRACTION) return fail(id, `${what} is ${pct} full (fail at 90%)`, fix, evidence);
  if (usedFraction >= DISK_WARN_FRACTION) return warn(id, `${what} is ${pct} full (warn at 80%)`, fix, evidence);
  return ok(id, `${what} is ${pct} full`, evidence);
}

export const SYNAPSE_RSS_TRIGGER = 2 * 1024 ** 3;

export function judgeMemory(id: string, rssBytes: number, cacheFactor: number | undefined): Finding {
  const gb = (rssBytes / 1024 ** 3).toFixed(2);
  const evidence = [`Synapse RSS ${gb} GiB`, `caches.global_factor ${cacheFactor ?? 'unset (default 0.5)'}`];
  if (rssBytes > SYNAPSE_RSS_TRIGGER) {
    return warn(
      id,
      `Synapse uses ${gb} GiB (over the runbook's 2 GB trigger)`,
      'Lower caches.global_factor in homeserver.yaml (e.g. 0.5 → 0.3; on slow disks a higher factor can help), `mxctl restart synapse`; long term, evaluate workers.',
      evidence,
    );
  }
  return ok(id, `Synapse uses ${gb} GiB (trigger 2 GB)`, evidence);
}

export interface ConnectionUse {
  total: number;
  maxConnections: number;
  reserved: number;
  synapse: number;
  cpMax: number;
  /** Who holds connections: "application (user) × count". */
  holders: string[];
}

export function judgeConnections(id: string, c: ConnectionUse): Finding {
  const usable = c.maxConnections - c.reserved;
  const evidence = [
    `${c.total} of ${c.maxConnections} connections in use (${c.reserved} reserved for superusers)`,
    `Synapse holds ${c.synapse} (cp_max ${c.cpMax})`,
    ...c.holders,
  ];
  if (c.total >= usable) {
    return fail(
      id,
      `PostgreSQL's connection slots are exhausted (${c.total}/${usable} usable)`,
      'Find and stop whatever holds the connections (listed above); `mxctl restart synapse` to reset its pool; raise max_connections or lower cp_max.',
      evidence,
    );
  }
  if (c.synapse > c.cpMax) {
    return warn(
      id,
      `Synapse holds ${c.synapse} connections, more than cp_max ${c.cpMax}`,
      'Restart Synapse (`mxctl restart synapse`) and check cp_max in homeserver.yaml.',
      evidence,
    );
  }
  if (c.total >= usable * 0.9) {
    return warn(
      id,
      `PostgreSQL is near its connection limit (${c.total}/${usable})`,
      'Find what holds the connections; raise max_connections or lower cp_max.',
      evidence,
    );
  }
  return ok(
    id,
    `${c.total}/${usable} PostgreSQL connections in use; Synapse ${c.synapse} (cp_max ${c.cpMax})`,
    evidence,
  );
}

export interface LogGroup {
  level: string;
  logger: string;
  message: string;
  count: number;
}

// Synapse's "precise" log format: "DATE TIME - logger - lineno - LEVEL - request - message".
const LOG_ERROR = / - ([\w.]+) - \d+ - (ERROR|CRITICAL) - \S* ?- (.*)$/;

/** Whether a Synapse log line is at ERROR or CRITICAL. */
export function isLogError(line: string): boolean {
  return LOG_ERROR.test(line);
}

/** Groups Synapse log lines (its "precise" format) at ERROR/CRITICAL by logger and message. */
export function groupLogErrors(lines: readonly string[]): LogGroup[] {
  const groups = new Map<string, LogGroup>();
  for (const line of lines) {
    const m = LOG_ERROR.exec(line);
    if (!m) continue;
    const [, logger = '', level = '', raw = ''] = m;
    // NOTE: ids, numbers and quoted values vary per occurrence; group on the message's shape.
    const message = raw
      .replace(/[!$@#][^\s:]+:[^\s,)]+/g, '<id>')
      .replace(/\d+/g, 'N')
      .slice(0, 160);
    const key = `${level}|${logger}|${message}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { level, logger, message, count: 1 });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}
