// Certificates in a lab, for the tests that need one other than the 90-day certificate `mxctl up`
// obtained: certbot run in the sidecar's image against the lab's pebble, and a pebble profile
// added for a test (a certificate of minutes). Shared by the certs and the monitor e2e tests.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { probeCertificate } from '../src/adapters/tls-probe.ts';
import { savePebbleRoot } from './lab-stack.ts';
import type { Lab } from './harness.ts';

const exec = promisify(execFile);

function labCompose(lab: Lab, ...args: string[]) {
  return exec('docker', ['compose', ...args], { cwd: join(lab.dir, 'compose'), timeout: 300_000 });
}

/** certbot in the sidecar's image, for the deployment's certificate, against the lab's pebble. */
export function labCertbot(lab: Lab, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return labCompose(
    lab,
    'run',
    '--rm',
    '-T',
    '--no-deps',
    '--entrypoint',
    'certbot',
    'certbot',
    ...args,
    '--cert-name',
    'element-matrix',
    '--non-interactive',
    '--server',
    lab.settings.ACME_SERVER,
  );
}

/** A new certificate for the lab's three names from pebble's `profile` (nginx's watcher then deploys it). */
export function issueLabCertificate(lab: Lab, profile: string): Promise<{ stdout: string; stderr: string }> {
  const s = lab.settings;
  return labCertbot(
    lab,
    'certonly',
    '--webroot',
    '-w',
    '/var/www/certbot',
    ...[s.MX_SERVER_NAME, s.MX_MATRIX_HOST, s.MX_ELEMENT_HOST].flatMap((n) => ['-d', n]),
    '--preferred-profile',
    profile,
    '--force-renewal',
    '--agree-tos',
    '--register-unsafely-without-email',
  );
}

/**
 * Adds a profile of `validitySeconds` to the lab's pebble and restarts it. NOTE: a restarted
 * pebble has a new root (kept in the lab's CA file, which a running mxctl read at its start) and
 * forgets every account (certbot's are removed). Pebble picks any of its profiles for an order
 * that names none, so every later order names `default` (certs/cli.ini) unless told otherwise.
 */
export async function addPebbleProfile(lab: Lab, name: string, validitySeconds: number): Promise<void> {
  const config = join(lab.dir, 'lab', 'pebble', 'pebble-config.json');
  const pebble = JSON.parse(await readFile(config, 'utf8')) as { pebble: { profiles: Record<string, unknown> } };
  pebble.pebble.profiles[name] = { description: `${validitySeconds} s`, validityPeriod: validitySeconds };
  await writeFile(config, JSON.stringify(pebble));
  await labCompose(lab, 'restart', 'pebble');
  const deadline = Date.now() + 30_000;
  while (
    (await probeCertificate('pebble', { address: lab.address, port: 14000, timeoutMs: 2000 })).validTo === undefined
  ) {
    if (Date.now() > deadline) throw new Error('pebble did not answer after its restart');
    await new Promise((r) => setTimeout(r, 1000));
  }
  await savePebbleRoot(lab.dir, lab.address);
  await rm(join(lab.dir, 'certs', 'accounts'), { recursive: true, force: true });
  await writeFile(join(lab.dir, 'certs', 'cli.ini'), 'preferred-profile = default\nno-random-sleep-on-renew = true\n');
}
