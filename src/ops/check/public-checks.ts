// What users see, through the public names: Synapse's /health over HTTPS, the web client
// loading, and each name's certificate against its own lifetime. The certificate findings are
// doctor's (tls-checks.ts over `certs status`), so both commands judge them the same way.
import { certsStatus } from '../certs/status.ts';
import { tlsFindings } from '../doctor/tls-checks.ts';
import { elementConfig, elementPage, synapseHealth } from '../public-endpoints.ts';
import { below, fromFinding, signal } from '../../core/check/signal.ts';
import type { Signal } from '../../core/check/signal.ts';
import type { DoctorFacts } from '../doctor/facts.ts';

/**
 * The share of a certificate's lifetime left: warn under 1/4, critical under 1/10 (or 3 days),
 * as core/certs/lifetime.ts judges it for `certs status` and doctor. NOTE: not 1/3: certbot
 * renews when a third is left, so a 1/3 warning would fire at every normal renewal, in the
 * hours until the sidecar's next pass; 1/4 leaves renewal a twelfth of the lifetime to happen.
 */
const CERT_LEFT_SHARE = below(1 / 4, 1 / 10);

export async function endpointChecks(f: DoctorFacts): Promise<Signal[]> {
  const probes: [string, string, () => Promise<string>][] = [
    ['https.synapse_health', "Synapse's /health over HTTPS", () => synapseHealth(f.d)],
    [
      'https.element',
      'the web client loads over HTTPS',
      async () => `${await elementPage(f.d, '/')}; ${await elementConfig(f.d)}`,
    ],
  ];
  return Promise.all(
    probes.map(async ([id, what, probe]) => {
      const started = Date.now();
      try {
        const detail = await probe();
        return signal(id, 'ok', what, { value: Date.now() - started, unit: 'ms', evidence: detail });
      } catch (error) {
        return signal(id, 'critical', `${what}: FAILED`, {
          evidence: [(error as Error).message, 'fix: `mxctl status`, then `mxctl logs nginx` / `mxctl logs synapse`'],
        });
      }
    }),
  );
}

export async function certificateChecks(f: DoctorFacts): Promise<Signal[]> {
  const r = await certsStatus({ renewalInfo: false }, f.d);
  return tlsFindings(r).map((finding) => {
    const served = r.names.find((n) => finding.id === `tls.${n.name}`)?.served;
    return served === undefined
      ? fromFinding(finding)
      : fromFinding(finding, { value: served.leftShare, unit: 'ratio', threshold: CERT_LEFT_SHARE });
  });
}
