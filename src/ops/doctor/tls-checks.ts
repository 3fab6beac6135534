// Certificates: each public name's served certificate against its own lifetime, trust, and
// whether nginx serves the newest certificate on disk (a renewal nginx never reloaded).
import { X509Certificate } from 'node:crypto';
import type { Finding } from '../../core/doctor/finding.ts';
import { fail, ok, warn } from '../../core/doctor/finding.ts';
import { judgeCertificate } from '../../core/doctor/rules.ts';
import { probeCertificate } from '../../adapters/tls-probe.ts';
import type { DoctorFacts } from './facts.ts';
import { certificateOnDisk, publicNames } from '../certs.ts';

export async function tlsChecks(f: DoctorFacts): Promise<Finding[]> {
  const out: Finding[] = [];
  const pem = await certificateOnDisk(f.d.deployment.root);
  const onDisk = pem === undefined ? undefined : new X509Certificate(pem);
  const probes = await Promise.all(
    publicNames(f.d).map((name) =>
      probeCertificate(name, { address: f.d.publicHttp.resolve, ca: f.d.publicHttp.ca, timeoutMs: 5_000 }),
    ),
  );
  for (const p of probes) {
    const id = `tls.${p.name}`;
    if (p.validTo === undefined || p.validFrom === undefined) {
      out.push(
        fail(
          id,
          `${p.name}: no certificate served (${p.error ?? 'no answer'})`,
          'Is nginx running? `mxctl status`, then `mxctl logs nginx`.',
        ),
      );
      continue;
    }
    const judged = judgeCertificate(id, p.name, new Date(p.validFrom), new Date(p.validTo), f.now);
    if (judged.status === 'ok' && !p.trusted) {
      out.push(
        warn(
          id,
          `${p.name}: the served certificate is not trusted (${p.error ?? 'unknown'}), issuer ${p.issuer ?? '?'}`,
          'A self-signed placeholder means certbot has not obtained the real one: run `mxctl up` and read its error.',
          judged.evidence,
        ),
      );
    } else {
      out.push(judged);
    }
  }
  const served = probes.find((p) => p.fingerprint256 !== undefined);
  if (onDisk !== undefined && served !== undefined) {
    const newest = onDisk.fingerprint256;
    out.push(
      served.fingerprint256 === newest
        ? ok('tls.reloaded', 'nginx serves the newest certificate on disk')
        : warn(
            'tls.reloaded',
            `nginx serves an older certificate than the one on disk (disk: valid to ${onDisk.validTo})`,
            'Reload nginx: `mxctl restart nginx`.',
            [`served ${served.fingerprint256 ?? '?'}`, `on disk ${newest}`],
          ),
    );
  }
  return out;
}
