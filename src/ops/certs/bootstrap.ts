// TLS bootstrap: nginx starts on a self-signed placeholder, certbot (webroot) obtains the real
// certificate, nginx reloads. A failed issuance puts the placeholder back so nginx can always
// restart, and says why it failed.
import { CERT_NAME } from '../../core/templates/compose.ts';
import { MxError, isMxError } from '../../core/errors.ts';
import { selfSignedCertificate } from '../../adapters/openssl.ts';
import { certificateOnDisk, certPaths, clearLineage, writeLiveCertificate } from '../../adapters/cert-files.ts';
import type { Deps } from '../deps.ts';

export { certificateState, certificateOnDisk } from '../../adapters/cert-files.ts';
export type { CertificateState } from '../../adapters/cert-files.ts';

export function publicNames(d: Pick<Deps, 'deployment'>): string[] {
  const s = d.deployment.settings;
  return [s.MX_SERVER_NAME, s.MX_MATRIX_HOST, s.MX_ELEMENT_HOST];
}

export async function writePlaceholder(d: Pick<Deps, 'deployment'>): Promise<void> {
  await writeLiveCertificate(d.deployment.root, await selfSignedCertificate(publicNames(d)));
}

/** certbot's arguments to obtain one certificate (webroot) for every public name of the deployment. */
export function certonlyArgs(d: Pick<Deps, 'deployment'>): string[] {
  const s = d.deployment.settings;
  const email = s.ACME_EMAIL === '' ? ['--register-unsafely-without-email'] : ['--email', s.ACME_EMAIL];
  const names = publicNames(d).flatMap((n) => ['-d', n]);
  // prettier-ignore
  return ['certonly', '--webroot', '-w', '/var/www/certbot', '--cert-name', CERT_NAME, ...names,
    '--non-interactive', '--agree-tos', '--server', s.ACME_SERVER, ...email];
}

/** Runs certbot for the deployment's names; on failure restores the placeholder and throws. */
export async function obtainCertificate(d: Pick<Deps, 'deployment' | 'compose'>): Promise<void> {
  const s = d.deployment.settings;
  // nginx keeps the placeholder it loaded in memory meanwhile.
  await clearLineage(d.deployment.root);
  const args = [...certonlyArgs(d), '--keep-until-expiring'];
  try {
    await d.compose.runOnce('certbot', args, { entrypoint: 'certbot', timeoutMs: 300_000 });
  } catch (error) {
    await writePlaceholder(d);
    const detail = isMxError(error) ? error.detail : undefined;
    throw new MxError(
      'E_CERTIFICATE',
      `certbot could not obtain a certificate for ${publicNames(d).join(', ')} from ${s.ACME_SERVER}; nginx keeps serving a self-signed placeholder.`,
      {
        hint: 'Check that each name resolves to this server and that port 80 is reachable from the internet, then run `mxctl up` again.',
        ...(detail === undefined ? {} : { detail }),
        cause: error,
      },
    );
  }
  if ((await certificateOnDisk(d.deployment.root)) === undefined) {
    await writePlaceholder(d);
    throw new MxError(
      'E_CERTIFICATE',
      `certbot reported success but wrote no certificate to ${certPaths(d.deployment.root).fullchain}.`,
    );
  }
  await reloadNginx(d);
}

export async function reloadNginx(d: Pick<Deps, 'compose'>): Promise<void> {
  // `nginx -t` first: a reload with a broken config would be refused anyway, but this names why.
  await d.compose.exec('nginx', ['nginx', '-t', '-q'], { timeoutMs: 30_000 });
  await d.compose.exec('nginx', ['nginx', '-s', 'reload'], { timeoutMs: 30_000 });
}
