// The certificate files in the deployment's certs/ folder, laid out as certbot keeps them
// (live/, archive/, renewal/). nginx reads live/<name>/; a self-signed placeholder sits there
// until certbot has issued the real certificate.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CERT_NAME } from '../core/templates/compose.ts';
import { pathExists, writeFileAtomic } from './fs.ts';

export type CertificateState = 'issued' | 'placeholder' | 'missing';

export function certPaths(root: string) {
  const live = join(root, 'certs', 'live', CERT_NAME);
  return {
    live,
    fullchain: join(live, 'fullchain.pem'),
    privkey: join(live, 'privkey.pem'),
    renewal: join(root, 'certs', 'renewal', `${CERT_NAME}.conf`),
    archive: join(root, 'certs', 'archive', CERT_NAME),
  };
}

/** issued: certbot has a renewal config; placeholder: a chain without one; missing: nothing yet. */
export async function certificateState(root: string): Promise<CertificateState> {
  const p = certPaths(root);
  if (await pathExists(p.renewal)) return 'issued';
  if (await pathExists(p.fullchain)) return 'placeholder';
  return 'missing';
}

export async function writeLiveCertificate(root: string, pair: { cert: string; key: string }): Promise<void> {
  const p = certPaths(root);
  await writeFileAtomic(p.privkey, pair.key, 0o600);
  await writeFileAtomic(p.fullchain, pair.cert, 0o644);
}

/** NOTE: certbot refuses to create a lineage whose live/ folder exists. */
export async function clearLineage(root: string): Promise<void> {
  const p = certPaths(root);
  await rm(p.live, { recursive: true, force: true });
  await rm(p.archive, { recursive: true, force: true });
}

/** The certificate chain certbot (or the placeholder) left on disk, which nginx should be serving. */
export async function certificateOnDisk(root: string): Promise<string | undefined> {
  const p = certPaths(root);
  return (await pathExists(p.fullchain)) ? readFile(p.fullchain, 'utf8') : undefined;
}
