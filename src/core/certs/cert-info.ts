// The facts of one X.509 certificate that `certs status` compares: serial and fingerprint (did
// nginx pick up the renewal?), names (is it the right one?), issuer and validity (lifetime).
import { X509Certificate } from 'node:crypto';

export interface CertInfo {
  serial: string;
  fingerprint256: string;
  subject: string;
  issuer: string;
  /** DNS names of the subjectAltName extension. */
  names: string[];
  notBefore: Date;
  notAfter: Date;
  selfSigned: boolean;
}

export type CertInfoResult = { ok: true; cert: CertInfo } | { ok: false; error: string };

// NOTE: node gives undefined for an empty subject (CAs may issue leaves with SANs only).
const cn = (dn: string | undefined): string =>
  dn === undefined ? '' : (/(?:^|\n)CN=([^\n]*)/.exec(dn)?.[1] ?? dn.replace(/\n/g, ', '));

/** The leaf (first certificate) of a PEM chain; an error in words when the text is not one. */
export function readCertificate(pem: string | Buffer): CertInfoResult {
  const text = pem.toString();
  const start = text.indexOf('-----BEGIN CERTIFICATE-----');
  if (start < 0) return { ok: false, error: 'not a PEM certificate (no BEGIN CERTIFICATE line)' };
  const end = text.indexOf('-----END CERTIFICATE-----', start);
  if (end < 0) return { ok: false, error: 'a truncated PEM certificate (no END CERTIFICATE line)' };
  try {
    return { ok: true, cert: certInfo(new X509Certificate(text.slice(start, end + 25))) };
  } catch (error) {
    return { ok: false, error: `not a readable certificate: ${(error as Error).message}` };
  }
}

export function certInfo(x: X509Certificate): CertInfo {
  const names = (x.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  return {
    serial: normalSerial(x.serialNumber),
    fingerprint256: x.fingerprint256,
    subject: cn(x.subject),
    issuer: cn(x.issuer),
    names,
    notBefore: x.validFromDate,
    notAfter: x.validToDate,
    selfSigned: x.issuer === x.subject && x.checkIssued(x),
  };
}

/** The names a certificate lacks for a set of public names (empty when it covers them all). */
export function missingNames(cert: Pick<CertInfo, 'names'>, wanted: readonly string[]): string[] {
  const have = new Set(cert.names.map((n) => n.toLowerCase()));
  return wanted.filter((n) => !have.has(n.toLowerCase()));
}

/** Same set of names, order aside: certbot's lineage must be re-issued when it differs. */
export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  const norm = (l: readonly string[]) => [...new Set(l.map((n) => n.toLowerCase()))].sort().join(',');
  return norm(a) === norm(b);
}

/** Serials compared as numbers: lower-case hex without leading zeros (TLS peers and X509Certificate pad differently). */
export function normalSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}
