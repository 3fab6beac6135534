// `mxctl certs renew`: certbot (webroot) in the sidecar's image, then a graceful nginx reload,
// then proof: every public name serves the new serial. A failure changes nothing (certbot only
// switches live/ after the CA issued) and is reported in the CA's own words.
import type { Deps } from '../deps.ts';
import { MxError, isMxError } from '../../core/errors.ts';
import { CERT_NAME } from '../../core/templates/compose.ts';
import { classifyCertbotFailure } from '../../core/certs/acme-error.ts';
import type { AcmeFailure } from '../../core/certs/acme-error.ts';
import { sameNames } from '../../core/certs/cert-info.ts';
import { secondsSince } from '../../core/clock.ts';
import { certbotLogs, renewalStamp } from '../../adapters/cert-files.ts';
import { sleep } from '../../adapters/clock.ts';
import { certsStatus } from './status.ts';
import type { CertsStatusReport } from './status.ts';
import { certonlyArgs, publicNames, reloadNginx } from './bootstrap.ts';

export type CertsRenewDeps = Pick<Deps, 'deployment' | 'compose' | 'publicHttp' | 'clock' | 'progress' | 'approve'>;

export interface RenewOptions {
  /** Renew now even when certbot says it is not due. */
  force: boolean;
  /** certbot's dry run against the CA, with the deploy hook run; nothing replaced. */
  dryRun: boolean;
  /** How long to wait for nginx to serve the new certificate. */
  proveTimeoutMs?: number;
}

export type RenewAction = 'renewed' | 'reissued' | 'reloaded' | 'not-due' | 'dry-run';

export interface RenewReport {
  action: RenewAction;
  names: string[];
  servedBefore: string | undefined;
  servedAfter: string | undefined;
  /** The deploy hook ran (its stamp changed). */
  hookRan: boolean;
  seconds: number;
  status: CertsStatusReport;
}

export async function renewCertificate(o: RenewOptions, d: CertsRenewDeps): Promise<RenewReport> {
  const started = d.clock.now();
  const names = publicNames(d);
  const before = await certsStatus({}, d);
  const servedBefore = before.names[0]?.served?.serial;
  // A re-run `mxctl init` changed the names: certonly for the new set (same lineage).
  const reissue = before.disk !== undefined && !sameNames(before.disk.names, names);
  const what = o.dryRun
    ? 'Simulate a renewal (certbot --dry-run, deploy hook run)'
    : reissue
      ? `Get a certificate for the new set of names ${names.join(', ')}`
      : o.force
        ? 'Renew the certificate now'
        : 'Renew the certificate if it is due';
  await d.approve(`${what} from ${d.deployment.settings.ACME_SERVER}?`);
  const stampBefore = await renewalStamp(d.deployment.root);
  d.progress.step(
    o.dryRun
      ? 'certbot renew --dry-run --run-deploy-hooks'
      : reissue
        ? 'certbot certonly for the new names'
        : `certbot renew${o.force ? ' --force-renewal' : ''}`,
  );
  await runCertbot(certbotArgs(o, reissue, d), d, before);
  const hookRan = (await renewalStamp(d.deployment.root)) !== stampBefore;
  const afterCertbot = await certsStatus({}, d);
  const diskChanged = afterCertbot.disk?.serial !== before.disk?.serial;
  if (o.dryRun && diskChanged)
    throw new MxError('E_CERTIFICATE', 'certbot --dry-run replaced the certificate on disk; it must not.');
  let action: RenewAction = o.dryRun ? 'dry-run' : diskChanged ? (reissue ? 'reissued' : 'renewed') : 'not-due';
  if (reissue && !o.dryRun) {
    // WHY a restart, not a reload: nginx's server blocks are rendered from nginx/templates by the
    // image's entrypoint at start, so new server names exist only after one (a reload re-reads
    // the old rendering, and the new name's handshake is refused).
    d.progress.step('restarting nginx: the set of names changed');
    await d.compose.restart(['nginx']);
  } else if (!o.dryRun && afterCertbot.names.some((n) => !n.current)) {
    d.progress.step('reloading nginx (graceful: open connections are served to the end)');
    await reloadNginx(d);
    if (action === 'not-due') action = 'reloaded';
  }
  const status = o.dryRun ? afterCertbot : await proveServed(afterCertbot, o.proveTimeoutMs ?? 60_000, d);
  return {
    action,
    names,
    servedBefore,
    servedAfter: status.names[0]?.served?.serial,
    hookRan,
    seconds: secondsSince(d.clock, started),
    status,
  };
}

function certbotArgs(o: RenewOptions, reissue: boolean, d: Pick<Deps, 'deployment'>): string[] {
  const s = d.deployment.settings;
  const server = ['--server', s.ACME_SERVER, '--non-interactive'];
  if (reissue) return certonlyArgs(d);
  // NOTE: a run an admin asked for now does not wait certbot's random delay (that spreads the sidecar's load on the CA).
  const base = ['renew', '--cert-name', CERT_NAME, '--no-random-sleep-on-renew', ...server];
  if (o.dryRun) return [...base, '--dry-run', '--run-deploy-hooks'];
  return o.force ? [...base, '--force-renewal'] : base;
}

async function runCertbot(args: string[], d: CertsRenewDeps, before: CertsStatusReport): Promise<void> {
  try {
    // NOTE: --no-deps: never start (or restart) the CA or nginx as a side effect of asking for a certificate.
    await d.compose.runOnce('certbot', args, { entrypoint: 'certbot', noDeps: true, timeoutMs: 300_000 });
  } catch (error) {
    const logs = await certbotLogs(d.deployment.root, 1);
    const text = [logs[0] ?? '', isMxError(error) ? (error.detail ?? '') : String(error)].join('\n');
    throw acmeError(classifyCertbotFailure(text), d, before, error);
  }
}

const KIND_WORDS: Record<AcmeFailure['kind'], { what: string; hint: string }> = {
  'ca-unreachable': {
    what: 'the ACME server could not be reached',
    hint: 'Check ACME_SERVER in .env, DNS and outbound HTTPS from this machine; the CA may be down — retry later.',
  },
  'rate-limited': {
    what: 'the ACME server refused: rate limited',
    hint: "Wait until the CA's limit resets (its message says when); do not retry in a loop. `--dry-run` does not count against production limits.",
  },
  'challenge-failed': {
    what: 'the CA could not validate the challenge',
    hint: 'Each name must resolve to this server and port 80 must answer from the internet (nginx serves /.well-known/acme-challenge/); check DNS and firewalls.',
  },
  account: {
    what: 'the ACME account was refused',
    hint: 'The account in certs/accounts/ is unknown to or disabled by the CA: check ACME_SERVER and ACME_EMAIL; removing certs/accounts/ makes certbot register a new one.',
  },
  other: { what: 'certbot failed', hint: 'Read certbot/logs/letsencrypt.log in the deployment for the full story.' },
};

function acmeError(f: AcmeFailure, d: Pick<Deps, 'deployment'>, before: CertsStatusReport, cause: unknown): MxError {
  const w = KIND_WORDS[f.kind];
  const failedNames = f.challenges.map((c) => `${c.name} (${f.challenge ?? 'http-01'}: ${c.type}: ${c.detail})`);
  const detail =
    failedNames.length > 0 ? `failed challenge(s): ${failedNames.join('; ')}` : `the CA said: ${f.message}`;
  const kept =
    before.disk === undefined
      ? 'nothing was changed'
      : `nothing was changed: nginx keeps serving serial ${before.disk.serial}, valid until ${before.disk.notAfter}`;
  const on =
    f.kind === 'challenge-failed'
      ? ` (${f.challenge ?? 'http-01'} challenge for ${f.challenges.map((c) => c.name).join(', ') || publicNames(d).join(', ')})`
      : '';
  return new MxError(
    'E_ACME',
    `No new certificate from ${d.deployment.settings.ACME_SERVER}: ${w.what}${on}: ${f.message}; ${kept}.`,
    { hint: w.hint, detail, cause },
  );
}

/** Polls the public names until each serves the certificate on disk. */
async function proveServed(after: CertsStatusReport, timeoutMs: number, d: CertsRenewDeps): Promise<CertsStatusReport> {
  const deadline = d.clock.now().getTime() + timeoutMs;
  let status = after;
  while (status.names.some((n) => !n.current)) {
    if (d.clock.now().getTime() > deadline) {
      const stale = status.names
        .filter((n) => !n.current)
        .map((n) => `${n.name} serves ${n.served?.serial ?? 'nothing'}`);
      throw new MxError(
        'E_CERTIFICATE',
        `nginx does not serve the new certificate (serial ${status.disk?.serial ?? '?'}) after a reload: ${stale.join(', ')}.`,
        { hint: '`mxctl logs nginx` says why (nginx -t), then `mxctl restart nginx`.' },
      );
    }
    await sleep(500);
    status = await certsStatus({}, d);
  }
  return status;
}
