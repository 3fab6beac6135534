// A real image registry for the lab: Debian's `docker-registry` (Distribution 2.8, installed by
// lab/host/install.sh) on one loopback address, so upgrade tests pull, resolve digests and
// recreate exactly as against Docker Hub. dockerd allows plain HTTP to 127.0.0.0/8 registries by
// default (its built-in insecure range), so pushing and pulling need no daemon setting.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/adapters/fs.ts';
import { readSettings } from '../src/ops/deployment.ts';
import { formatSettings } from '../src/core/settings.ts';
import { renderLabOverride } from './lab-files.ts';

const exec = promisify(execFile);

/** The lab's default registry port on each lab address (no lab service uses it). */
export const LAB_REGISTRY_PORT = 5000;

/**
 * What the lab can push, by registry tag: each is a locally built lab image (lab/README.md says
 * what each one is). The tags read like Synapse releases so version ordering is exercised.
 */
export const LAB_SYNAPSE_TAGS = {
  '1.160.0': 'element-matrix-lab/synapse:lab',
  '1.160.1': 'element-matrix-lab/synapse-next:lab',
  '1.161.0': 'element-matrix-lab/synapse-compat:lab',
  '1.160.2-broken': 'element-matrix-lab/synapse-broken:lab',
} as const;

export const LAB_SYNAPSE_REPO = 'element-matrix-lab/synapse';

/** The lab's PostgreSQL builds, by registry tag: bookworm's 15 (the ≤ 17 data layout) and sid's 18. */
export const LAB_POSTGRES_TAGS = {
  '15': 'element-matrix-lab/postgres15:lab',
  '18': 'element-matrix-lab/postgres:lab',
} as const;

export const LAB_POSTGRES_REPO = 'element-matrix-lab/postgres';

export interface LabRegistry {
  /** `ADDRESS:PORT`, the registry part of an image reference. */
  host: string;
  url: string;
  /** Stops the registry and deletes its storage. */
  stop: () => Promise<void>;
}

/** The registry's config: HTTP on the given loopback address only, no auth, storage in `root`. */
export function renderRegistryConfig(address: string, port: number, root: string): string {
  if (!address.startsWith('127.')) throw new Error(`the lab registry listens on loopback only, not ${address}`);
  return `# LAB ONLY (lab/registry.ts): Debian's docker-registry on loopback, no auth.
version: 0.1
log:
  level: warn
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: ${root}
  delete:
    enabled: true
http:
  addr: ${address}:${port}
  headers:
    X-Content-Type-Options: [nosniff]
`;
}

/** Starts `docker-registry serve` on ADDRESS:PORT and waits until /v2/ answers. */
export async function startRegistry(o: { address: string; port?: number; timeoutMs?: number }): Promise<LabRegistry> {
  const port = o.port ?? LAB_REGISTRY_PORT;
  const dir = await mkdtemp(join(tmpdir(), 'mxlab-registry-'));
  await mkdir(join(dir, 'storage'));
  const config = join(dir, 'config.yml');
  await writeFile(config, renderRegistryConfig(o.address, port, join(dir, 'storage')));
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const host = `${o.address}:${port}`;
  const stop = async () => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(`http://${host}/v2/`, child, o.timeoutMs ?? 15_000);
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}\n${stderr}`, { cause: error });
  }
  return { host, url: `http://${host}`, stop };
}

async function waitUntilServing(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`docker-registry exited (${child.exitCode ?? child.signalCode})`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer ${url} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Tags a local image as HOST/REPO:TAG and pushes it. Returns the manifest digest the registry
 * stored (what `HEAD /v2/REPO/manifests/TAG` answers in Docker-Content-Digest).
 */
export async function pushImage(registryHost: string, localImage: string, repo: string, tag: string): Promise<string> {
  const ref = `${registryHost}/${repo}:${tag}`;
  await exec('docker', ['tag', localImage, ref]);
  const r = await exec('docker', ['push', ref], { timeout: 600_000, maxBuffer: 16 << 20 });
  const m = /digest: (sha256:[0-9a-f]{64})/.exec(r.stdout);
  if (m?.[1] === undefined) throw new Error(`docker push ${ref} printed no digest:\n${r.stdout}`);
  return m[1];
}

/** Pushes the lab's Synapse builds under the given registry tags; returns tag → digest. */
export async function pushLabSynapse(
  registryHost: string,
  tags: readonly (keyof typeof LAB_SYNAPSE_TAGS)[],
): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  // NOTE: one after the other: they share the base layers, which the first push uploads.
  for (const tag of tags) digests[tag] = await pushImage(registryHost, LAB_SYNAPSE_TAGS[tag], LAB_SYNAPSE_REPO, tag);
  return digests;
}

/** Removes the local HOST/REPO:TAG names a push created (the images themselves stay). */
export async function untagPushed(registryHost: string, repo: string, tags: readonly string[]): Promise<void> {
  const refs = tags.map((t) => `${registryHost}/${repo}:${t}`);
  await exec('docker', ['image', 'rm', '--no-prune', ...refs]).catch(() => undefined);
}

/** Pushes the lab's PostgreSQL builds under the given registry tags; returns tag → digest. */
export async function pushLabPostgres(
  registryHost: string,
  tags: readonly (keyof typeof LAB_POSTGRES_TAGS)[],
): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const tag of tags) digests[tag] = await pushImage(registryHost, LAB_POSTGRES_TAGS[tag], LAB_POSTGRES_REPO, tag);
  return digests;
}

const PIN_SETTING = { synapse: 'SYNAPSE_IMAGE', postgres: 'POSTGRES_IMAGE', element: 'ELEMENT_IMAGE' } as const;

/**
 * Pins a lab deployment's service to an image in the lab registry, as an admin would: the
 * `*_IMAGE` line in .env (and any other settings given, e.g. POSTGRES_DATA_MOUNT for a 15), and
 * the lab override stops naming the local build for every service pinned off the defaults.
 * The stack picks it up at the next `mxctl up` (the image is local already: pushing tagged it).
 */
export async function pinLabImage(
  dir: string,
  address: string,
  service: keyof typeof PIN_SETTING,
  ref: string,
  extra: Partial<Record<'POSTGRES_DATA_MOUNT' | 'POSTGRES_VOLUME', string>> = {},
): Promise<void> {
  const settings = { ...(await readSettings(dir)), [PIN_SETTING[service]]: ref, ...extra };
  await writeFileAtomic(join(dir, '.env'), formatSettings(settings), 0o600);
  const fromEnv = (Object.keys(PIN_SETTING) as (keyof typeof PIN_SETTING)[]).filter(
    (s) => !settings[PIN_SETTING[s]].startsWith('docker.io/'),
  );
  await writeFileAtomic(
    join(dir, 'compose', 'docker-compose.override.yml'),
    renderLabOverride(address, { imagesFromEnv: fromEnv }),
  );
}
