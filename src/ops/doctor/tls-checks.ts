// Certificates: each public name's served certificate against its own lifetime, trust, whether
// nginx serves the newest certificate on disk (a renewal nginx never reloaded), and certbot's
// last renewal attempt — the same facts as `mxctl certs status`.
import type { Finding } from '../../core/doctor/finding.ts';
import { fail, ok, warn } from '../../core/doctor/finding.ts';
import { certsStatus } from '../certs/status.ts';
import type { ServedName, CertsStatusReport } from '../certs/status.ts';
import type { DoctorFacts } from './facts.ts';

const RENEW_FIX =
  'Run `mxctl certs renew` (certbot renew with webroot, then a graceful nginx reload) and read its error (DNS, port 80 unreachable, rate limits, the CA down); `mxctl certs status` shows what each name serves.';

export async function tlsChecks(f: DoctorFacts): Promise<Finding[]> {
  return tlsFindings(await certsStatus({}, f.d));
}

/** The findings of one `certs status` report: one per public name, nginx reloaded, the last renewal. */
export function tlsFindings(r: CertsStatusReport): Finding[] {
  const out = r.names.map(nameFinding);
  out.push(reloadedFinding(r));
  const a = r.history.lastAttempt;
  if (a?.outcome === 'failed') {
    const summary = `the last certificate renewal attempt (${a.startedAt.toISOString()}) failed: ${a.failure?.kind ?? 'other'}: ${a.failure?.message ?? 'see certbot/logs'}`;
    out.push(
      r.disk !== undefined && r.disk.level === 'ok'
        ? warn('tls.renewal', summary, RENEW_FIX)
        : fail('tls.renewal', summary, RENEW_FIX),
    );
  } else if (a !== undefined) {
    out.push(
      ok(
        'tls.renewal',
        `the last certificate renewal attempt (${a.startedAt.toISOString()}) ${a.outcome === 'renewed' ? 'succeeded' : a.outcome}`,
      ),
    );
  }
  return out;
}

function nameFinding(n: ServedName): Finding {
  const id = `tls.${n.name}`;
  const c = n.served;
  if (c === undefined)
    return fail(
      id,
      `${n.name}: no certificate served (${n.error ?? 'no answer'})`,
      'Is nginx running? `mxctl status`, then `mxctl logs nginx`.',
    );
  const evidence = [
    `valid ${c.notBefore} → ${c.notAfter}`,
    `serial ${c.serial}, issuer ${c.issuer}`,
    `certbot renews from ${c.renewAt}`,
  ];
  if (c.level === 'expired' || c.level === 'critical')
    return fail(id, `${n.name}: the certificate ${c.reasons.join('; ')}`, RENEW_FIX, evidence);
  if (c.level === 'warn') return warn(id, `${n.name}: the certificate ${c.reasons.join('; ')}`, RENEW_FIX, evidence);
  if (!c.trusted) {
    return warn(
      id,
      `${n.name}: the served certificate is not trusted (${c.trustError ?? 'unknown'}), issuer ${c.issuer}`,
      'A self-signed placeholder means certbot has not obtained the real one: run `mxctl up` and read its error.',
      evidence,
    );
  }
  return ok(
    id,
    `${n.name}: certificate valid for ${c.leftDays.toFixed(1)} more days (${Math.round(c.leftShare * 100)} % of its lifetime)`,
    evidence,
  );
}

function reloadedFinding(r: CertsStatusReport): Finding {
  const stale = r.names.filter((n) => n.served !== undefined && !n.current);
  if (r.disk === undefined || stale.length === 0)
    return ok('tls.reloaded', 'nginx serves the newest certificate on disk');
  return warn(
    'tls.reloaded',
    `nginx serves an older certificate than the one on disk (disk: serial ${r.disk.serial}, valid to ${r.disk.notAfter})`,
    'Reload nginx: `mxctl certs renew` (it reloads when nginx is behind), or `mxctl restart nginx`.',
    stale.map((n) => `${n.name} serves ${n.served?.serial ?? '?'}`),
  );
}
