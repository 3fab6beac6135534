// The certificate files in the deployment's certs/ folder, laid out as certbot keeps them
// (live/, archive/, renewal/). nginx reads live/<name>/; a self-signed placeholder sits there
// until certbot has issued the real certificate.
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CERT_NAME } from '../core/templates/compose.ts';
import { RENEWAL_STAMP } from '../core/templates/cert-hooks.ts';
import { logRank } from '../core/certs/certbot-log.ts';
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
    stamp: join(root, 'certs', RENEWAL_STAMP),
    logs: join(root, 'certbot', 'logs'),
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
  // NOTE: no stamp, no HSTS: a browser must not pin a name to a self-signed placeholder.
  await rm(p.stamp, { force: true });
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

const readIfThere = async (path: string): Promise<string | undefined> =>
  (await pathExists(path)) ? readFile(path, 'utf8') : undefined;

/** certbot's renewal/<lineage>.conf, as text. */
export const renewalConfText = (root: string): Promise<string | undefined> => readIfThere(certPaths(root).renewal);

/** The deploy hook's stamp: changes each time certbot deploys a certificate. */
export const renewalStamp = (root: string): Promise<string | undefined> => readIfThere(certPaths(root).stamp);

/** certbot's logs, newest first (letsencrypt.log, .1, .2, ...), at most `max` of them. */
export async function certbotLogs(root: string, max = 60): Promise<string[]> {
  const dir = certPaths(root).logs;
  if (!(await pathExists(dir))) return [];
  const ranked = (await readdir(dir))
    .map((name) => ({ name, rank: logRank(name) }))
    .filter((f): f is { name: string; rank: number } => f.rank !== undefined)
    .sort((a, b) => a.rank - b.rank)
    .slice(0, max);
  return Promise.all(ranked.map((f) => readFile(join(dir, f.name), 'utf8').catch(() => '')));
}
