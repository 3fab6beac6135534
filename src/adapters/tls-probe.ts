// What certificate does a name serve? Connects (to a fixed address when the deployment says
// so), sends SNI, and reports the leaf and whether it verifies against the trusted CAs.
import { connect } from 'node:tls';
import { trustWith } from './trust.ts';
import type { PeerCertificate } from 'node:tls';

export interface CertificateProbe {
  name: string;
  trusted: boolean;
  /** Why verification failed, when it did. */
  error?: string;
  subject?: string | undefined;
  issuer?: string | undefined;
  validFrom?: string | undefined;
  validTo?: string | undefined;
  fingerprint256?: string | undefined;
  /** Lower-case hex, as node:crypto's X509Certificate prints it (lower-cased). */
  serial?: string | undefined;
  /** subjectAltName as TLS reports it: "DNS:a, DNS:b". */
  altNames?: string | undefined;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

export async function probeCertificate(
  name: string,
  o: { port?: number; address?: string | undefined; ca?: string | undefined; timeoutMs?: number },
): Promise<CertificateProbe> {
  return new Promise((resolve) => {
    const socket = connect({
      host: o.address !== undefined && o.address !== '' ? o.address : name,
      port: o.port ?? 443,
      servername: name,
      rejectUnauthorized: false,
      ...(o.ca === undefined ? {} : { secureContext: trustWith(o.ca) }),
      timeout: o.timeoutMs ?? 10_000,
    });
    const done = (p: CertificateProbe) => {
      socket.destroy();
      resolve(p);
    };
    socket.once('secureConnect', () => {
      const cert: PeerCertificate = socket.getPeerCertificate();
      const probe: CertificateProbe = {
        name,
        trusted: socket.authorized,
        subject: first(cert.subject?.CN),
        issuer: first(cert.issuer?.CN),
        validFrom: cert.valid_from,
        validTo: cert.valid_to,
        fingerprint256: cert.fingerprint256,
        serial: cert.serialNumber?.toLowerCase(),
        altNames: cert.subjectaltname,
      };
      if (!socket.authorized) probe.error = String(socket.authorizationError);
      done(probe);
    });
    socket.once('timeout', () => done({ name, trusted: false, error: 'timed out' }));
    socket.once('error', (e: Error) => done({ name, trusted: false, error: e.message }));
  });
}
