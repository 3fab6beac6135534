// TLS bootstrap: nginx starts on a self-signed placeholder, certbot (webroot) obtains the real
// certificate, nginx reloads. A failed issuance puts the placeholder back so nginx can always
// restart, and says why it failed.
import { rm, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CERT_NAME } from '../core/templates/compose.ts';
import { MxError, isMxError } from '../core/errors.ts';
import { selfSignedCertificate } from '../adapters/openssl.ts';
import { pathExists, writeFileAtomic } from '../adapters/fs.ts';
import type { StackContext } from './context.ts';

export type CertificateState = 'issued' | 'placeholder' | 'missing';

export function publicNames(ctx: StackContext): string[] {
  const s = ctx.deployment.settings;
  return [s.MX_SERVER_NAME, s.MX_MATRIX_HOST, s.MX_ELEMENT_HOST];
}

function certPaths(root: string) {
  const live = join(root, 'certs', 'live', CERT_NAME);
  return {
    live,
    fullchain: join(live, 'fullchain.pem'),
    privkey: join(live, 'privkey.pem'),
    renewal: join(root, 'certs', 'renewal', `${CERT_NAME}.conf`),
    archive: join(root, 'certs', 'archive', CERT_NAME),
  };
}

export async function certificateState(root: string): Promise<CertificateState> {
  const p = certPaths(root);
  if (await pathExists(p.renewal)) return 'issued';
  if (await pathExists(p.fullchain)) return 'placeholder';
  return 'missing';
}

export async function writePlaceholder(ctx: StackContext): Promise<void> {
  const p = certPaths(ctx.deployment.root);
  const { cert, key } = await selfSignedCertificate(publicNames(ctx));
  await writeFileAtomic(p.privkey, key, 0o600);
  await writeFileAtomic(p.fullchain, cert, 0o644);
}

/** Runs certbot for the deployment's names; on failure restores the placeholder and throws. */
export async function obtainCertificate(ctx: StackContext): Promise<void> {
  const s = ctx.deployment.settings;
  const p = certPaths(ctx.deployment.root);
  // NOTE: certbot refuses to create a lineage whose live/ folder exists; nginx keeps the
  // placeholder it loaded in memory meanwhile.
  await rm(p.live, { recursive: true, force: true });
  await rm(p.archive, { recursive: true, force: true });
  const args = [
    'certonly', '--webroot', '-w', '/var/www/certbot', '--cert-name', CERT_NAME,
    ...publicNames(ctx).flatMap((n) => ['-d', n]),
    '--non-interactive', '--agree-tos', '--keep-until-expiring', '--server', s.ACME_SERVER,
    ...(s.ACME_EMAIL === '' ? ['--register-unsafely-without-email'] : ['--email', s.ACME_EMAIL]),
  ];
  try {
    await ctx.compose.runOnce('certbot', args, { entrypoint: 'certbot', timeoutMs: 300_000 });
  } catch (error) {
    await writePlaceholder(ctx);
    const detail = isMxError(error) ? error.detail : undefined;
    throw new MxError('E_CERTIFICATE', `certbot could not obtain a certificate for ${publicNames(ctx).join(', ')} from ${s.ACME_SERVER}; nginx keeps serving a self-signed placeholder.`, {
      hint: 'Check that each name resolves to this server and that port 80 is reachable from the internet, then run `mxctl up` again.',
      ...(detail === undefined ? {} : { detail }),
      cause: error,
    });
  }
  if (!(await pathExists(p.fullchain))) {
    await writePlaceholder(ctx);
    throw new MxError('E_CERTIFICATE', `certbot reported success but wrote no certificate to ${p.fullchain}.`);
  }
  await reloadNginx(ctx);
}

export async function reloadNginx(ctx: StackContext): Promise<void> {
  // `nginx -t` first: a reload with a broken config would be refused anyway, but this names why.
  await ctx.compose.exec('nginx', ['nginx', '-t', '-q'], { timeoutMs: 30_000 });
  await ctx.compose.exec('nginx', ['nginx', '-s', 'reload'], { timeoutMs: 30_000 });
}

/** The certificate chain certbot (or the placeholder) left on disk, which nginx should be serving. */
export async function certificateOnDisk(root: string): Promise<string | undefined> {
  const p = certPaths(root);
  return (await pathExists(p.fullchain)) ? readFile(p.fullchain, 'utf8') : undefined;
}
