// `mxctl certs status`: per public name, the certificate nginx actually serves (an SNI handshake
// on the public address) against the newest one on disk, judged by its own lifetime, and what
// certbot last did about it (its renewal conf and its logs).
import type { Deps } from '../deps.ts';
import { probeCertificate } from '../../adapters/tls-probe.ts';
import type { CertificateProbe } from '../../adapters/tls-probe.ts';
import { certbotLogs, certificateOnDisk, certificateState, renewalConfText } from '../../adapters/cert-files.ts';
import type { CertificateState } from '../../adapters/cert-files.ts';
import { missingNames, normalSerial, readCertificate } from '../../core/certs/cert-info.ts';
import type { CertInfo } from '../../core/certs/cert-info.ts';
import { judgeLifetime, lifetimeFacts, renewalGraceMs, worstLevel } from '../../core/certs/lifetime.ts';
import { missedRenewalWindow } from '../../core/certs/renewal-info.ts';
import type { RenewalInfo } from '../../core/certs/renewal-info.ts';
import { CERT_NAME } from '../../core/templates/compose.ts';
import { fetchRenewalInfo } from '../../adapters/acme-renewal-info.ts';
import type { CertLevel } from '../../core/certs/lifetime.ts';
import { renewalHistory } from '../../core/certs/certbot-log.ts';
import type { RenewalHistory } from '../../core/certs/certbot-log.ts';
import { parseRenewalConf } from '../../core/certs/renewal-conf.ts';
import type { RenewalConf } from '../../core/certs/renewal-conf.ts';
import { publicNames } from './bootstrap.ts';

export type CertsStatusDeps = Pick<Deps, 'deployment' | 'compose' | 'publicHttp' | 'clock'>;

/** The CA's renewal window for the certificate on disk (ARI), as the report carries it. */
export interface RenewalWindow {
  offered: boolean;
  start?: string;
  end?: string;
  explanationUrl?: string;
  /** Why there is no window: the CA offers none, or asking failed. */
  reason?: string;
  error?: string;
}

export interface CertFacts {
  serial: string;
  issuer: string;
  names: string[];
  notBefore: string;
  notAfter: string;
  lifetimeSeconds: number;
  leftDays: number;
  /** Share of the lifetime left, 0..1. */
  leftShare: number;
  /** When certbot renews it by its own rule (the CA's renewal info may move it). */
  renewAt: string;
  level: CertLevel;
  reasons: string[];
}

export interface ServedName {
  name: string;
  /** What nginx served for this name, or why nothing was. */
  served: (CertFacts & { trusted: boolean; trustError?: string }) | undefined;
  error?: string;
  /** The served certificate is the newest on disk. */
  current: boolean;
  problems: string[];
}

export interface CertsStatusReport {
  asOf: string;
  acmeServer: string;
  state: CertificateState;
  disk: CertFacts | undefined;
  diskError?: string;
  renewalConf: RenewalConf | undefined;
  renewalConfError?: string;
  /** The CA's renewal info for the certificate on disk; undefined before one was issued. */
  renewalWindow: RenewalWindow | undefined;
  history: RenewalHistory;
  names: ServedName[];
  level: CertLevel;
  /** Every reason the command exits non-zero: an old, wrong or expiring certificate served. */
  problems: string[];
  ok: boolean;
}

export function certFacts(
  c: Pick<CertInfo, 'serial' | 'issuer' | 'names' | 'notBefore' | 'notAfter'>,
  now: Date,
): CertFacts {
  const f = lifetimeFacts(c, now);
  const j = judgeLifetime(c, now);
  return {
    serial: c.serial,
    issuer: c.issuer,
    names: c.names,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    lifetimeSeconds: Math.round(f.lifetimeMs / 1000),
    leftDays: Number((f.leftMs / 86_400_000).toFixed(3)),
    leftShare: Number(f.leftShare.toFixed(4)),
    renewAt: f.renewAt.toISOString(),
    level: j.level,
    reasons: j.reasons,
  };
}

export interface CertsStatusOptions {
  /**
   * Ask the CA for its renewal window (ARI; default true). `check` runs every few minutes and
   * judges only what nginx serves: it skips the CA round trip (and the certbot exec it needs).
   */
  renewalInfo?: boolean;
}

export async function certsStatus(o: CertsStatusOptions, d: CertsStatusDeps): Promise<CertsStatusReport> {
  const now = d.clock.now();
  const root = d.deployment.root;
  const names = publicNames(d);
  const [state, pem, confText, logs, probes] = await Promise.all([
    certificateState(root),
    certificateOnDisk(root),
    renewalConfText(root),
    certbotLogs(root),
    Promise.all(
      names.map((n) => probeCertificate(n, { address: d.publicHttp.resolve, ca: d.publicHttp.ca, timeoutMs: 5_000 })),
    ),
  ]);
  const diskRead = pem === undefined ? undefined : readCertificate(pem);
  const disk = diskRead?.ok === true ? certFacts(diskRead.cert, now) : undefined;
  const ari =
    state === 'issued' && disk !== undefined && o.renewalInfo !== false
      ? await fetchRenewalInfo(d.compose, CERT_NAME)
      : undefined;
  const conf = confText === undefined ? undefined : parseRenewalConf(confText);
  const history = renewalHistory(logs);
  const served = probes.map((p) => servedName(p, disk, now));
  const problems = served.flatMap((s) => s.problems.map((x) => `${s.name}: ${x}`));
  if (disk !== undefined) {
    const missing = missingNames(disk, names);
    if (missing.length > 0)
      problems.push(
        `the certificate on disk does not cover ${missing.join(', ')}: run \`mxctl certs renew\` to get one for the new set of names`,
      );
  }
  if (diskRead?.ok === false) problems.push(`the certificate on disk cannot be read: ${diskRead.error}`);
  const missed =
    ari === undefined || 'error' in ari || disk === undefined
      ? undefined
      : missedRenewalWindow(ari, now, renewalGraceMs(disk.lifetimeSeconds * 1000));
  if (missed !== undefined) problems.push(missed);
  const failed = history.lastAttempt?.outcome === 'failed' ? history.lastAttempt : undefined;
  const level = worstLevel([
    ...served.map((s) => s.served?.level ?? 'critical'),
    ...(failed !== undefined && disk?.level === 'ok' ? ['warn' as const] : []),
    ...(missed !== undefined ? ['warn' as const] : []),
  ]);
  const report: CertsStatusReport = {
    asOf: now.toISOString(),
    acmeServer: d.deployment.settings.ACME_SERVER,
    state,
    disk,
    renewalConf: conf?.ok === true ? conf.conf : undefined,
    renewalWindow: ari === undefined ? undefined : renewalWindow(ari),
    history,
    names: served,
    level,
    problems,
    ok: problems.length === 0,
  };
  if (diskRead?.ok === false) report.diskError = diskRead.error;
  if (conf?.ok === false) report.renewalConfError = conf.error;
  return report;
}

function renewalWindow(a: RenewalInfo | { error: string }): RenewalWindow {
  if ('error' in a) return { offered: false, error: a.error };
  if (!a.offered) return { offered: false, reason: a.reason };
  return {
    offered: true,
    start: a.start.toISOString(),
    end: a.end.toISOString(),
    ...(a.explanationUrl === undefined ? {} : { explanationUrl: a.explanationUrl }),
  };
}

function servedName(p: CertificateProbe, disk: CertFacts | undefined, now: Date): ServedName {
  if (p.validFrom === undefined || p.validTo === undefined || p.serial === undefined) {
    return {
      name: p.name,
      served: undefined,
      error: p.error ?? 'no answer',
      current: false,
      problems: [`no certificate served (${p.error ?? 'no answer'})`],
    };
  }
  const names = (p.altNames ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  const facts = certFacts(
    {
      serial: normalSerial(p.serial),
      issuer: p.issuer ?? '?',
      names,
      notBefore: new Date(p.validFrom),
      notAfter: new Date(p.validTo),
    },
    now,
  );
  const served = { ...facts, trusted: p.trusted, ...(p.error === undefined ? {} : { trustError: p.error }) };
  const current = disk !== undefined && disk.serial === facts.serial;
  const problems: string[] = [];
  if (!current && disk !== undefined)
    problems.push(
      `nginx serves an old certificate (serial ${facts.serial}, until ${facts.notAfter}) while a newer one is on disk (serial ${disk.serial}, until ${disk.notAfter}): nginx was not reloaded`,
    );
  if (!p.trusted)
    problems.push(`the served certificate is not trusted (${p.error ?? 'unknown'}; issuer ${facts.issuer})`);
  if (missingNames(facts, [p.name]).length > 0)
    problems.push(`the served certificate does not cover ${p.name} (it names ${names.join(', ') || 'nothing'})`);
  if (facts.level !== 'ok') problems.push(`${facts.level}: ${facts.reasons.join('; ')}`);
  return { name: p.name, served, current, problems };
}
