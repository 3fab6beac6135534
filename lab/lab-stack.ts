// Bringing the lab up and down: host tools, images, a deployment written by `mxctl init`, the
// lab files, `mxctl up`, pebble's root for mxctl to trust, `mxctl admin init`. Shared by the
// README's `npm run lab` and the e2e tests, so both run exactly the same path.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { appendFile, mkdir, rm, chown, readFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'node:https';
import { writeFileAtomic, pathExists } from '../src/adapters/fs.ts';
import { isProcessAlive } from '../src/adapters/lock.ts';
import { isPortFree, portHolder } from '../src/adapters/ports.ts';
import { selfSignedCertificate } from '../src/adapters/openssl.ts';
import {
  labSlot,
  pebbleDirectory,
  pebbleManagement,
  renderLabOverride,
  renderLabSynapseConfig,
  renderPebbleConfig,
} from './lab-files.ts';
import type { LabSlot } from './lab-files.ts';
import { readSettings } from '../src/ops/deployment.ts';
import { formatSettings } from '../src/core/settings.ts';

const exec = promisify(execFile);
export const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
export const MXCTL = join(REPO, 'bin', 'mxctl.mjs');
export const DEFAULT_LAB_DIR = process.env['MXLAB_DIR'] ?? join(REPO, '.lab', 'deployment');
export const CA_FILE = 'lab/acme-roots.pem';

export interface MxctlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real mxctl CLI (the lab is operated by mxctl, not by calling its internals). */
export async function mxctl(
  args: readonly string[],
  o: { dir?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<MxctlResult> {
  const argv = o.dir === undefined ? [...args] : ['--dir', o.dir, ...args];
  try {
    const r = await exec(process.execPath, [MXCTL, ...argv], {
      env: { ...process.env, ...o.env },
      timeout: o.timeoutMs ?? 600_000,
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

export async function mxctlOk(args: readonly string[], o: Parameters<typeof mxctl>[1] = {}): Promise<string> {
  const r = await mxctl(args, o);
  if (r.code !== 0) throw new Error(`mxctl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function step(script: string, args: string[] = []): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('bash', [join(REPO, script), ...args], { maxBuffer: 64 << 20 }, (error: Error | null) =>
      error === null ? resolve() : reject(error),
    );
    child.stderr?.pipe(process.stderr);
  });
}

/** Docker Engine, compose v2 and the lab images: installs or builds only what is missing. */
export async function prepareHost(): Promise<void> {
  await step('lab/host/install.sh');
  await step('lab/images/build.sh');
}

/** Writes the lab's override, Synapse listener file and pebble's TLS material into `dir`. */
export async function addLabFiles(dir: string, address: string): Promise<void> {
  await writeFileAtomic(join(dir, 'compose', 'docker-compose.override.yml'), renderLabOverride(address));
  // Synapse is published on the lab's own loopback address (as an admin would edit .env).
  const settings = await readSettings(dir);
  if (settings.SYNAPSE_LOCAL_ADDRESS !== address) {
    await writeFileAtomic(join(dir, '.env'), formatSettings({ ...settings, SYNAPSE_LOCAL_ADDRESS: address }), 0o600);
  }
  const labYaml = join(dir, 'synapse', 'lab.yaml');
  await writeFileAtomic(labYaml, renderLabSynapseConfig(address));
  if (process.getuid?.() === 0) await chown(labYaml, 991, 991);
  const pebble = join(dir, 'lab', 'pebble');
  await mkdir(pebble, { recursive: true });
  if (!(await pathExists(join(pebble, 'cert.pem')))) {
    const { cert, key } = await selfSignedCertificate(['localhost', 'pebble', address], 3650);
    // NOTE: pebble's HTTPS endpoint is reached as 127.0.0.1, so the cert carries an IP SAN too.
    await writeFileAtomic(join(pebble, 'key.pem'), key, 0o600);
    await writeFileAtomic(join(pebble, 'cert.pem'), cert);
  }
  await writeFileAtomic(join(pebble, 'pebble-config.json'), renderPebbleConfig(address));
}

/** Pebble makes a new root CA at every start: keep each one it used, so mxctl trusts the certs it issued. */
export async function savePebbleRoot(dir: string, address: string): Promise<void> {
  const ca = await readFile(join(dir, 'lab', 'pebble', 'cert.pem'), 'utf8');
  const pem = await new Promise<string>((resolve, reject) => {
    const r = request(`${pebbleManagement(address)}/roots/0`, { ca, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`pebble /roots/0: HTTP ${res.statusCode}`)),
      );
    });
    r.on('error', reject);
    r.end();
  });
  const file = join(dir, CA_FILE);
  const known = (await pathExists(file)) ? await readFile(file, 'utf8') : '';
  if (!known.includes(pem.trim())) await appendFile(file, `${pem.trim()}\n`);
}

export interface LabOptions {
  dir: string;
  slot: LabSlot;
  log?: (line: string) => void;
  /** Runs after init and the lab files, before the first `mxctl up` (e.g. pin an older PostgreSQL). */
  beforeUp?: (dir: string, address: string) => Promise<void>;
}

/** init (if needed) → lab files → up → trust pebble's root → admin init. */
export async function labUp(o: LabOptions): Promise<void> {
  const log = o.log ?? (() => undefined);
  const { address, domain } = o.slot;
  if (!(await pathExists(join(o.dir, '.env')))) {
    log(`mxctl init --domain ${domain} (in ${o.dir}, on ${address})`);
    await mkdir(dirname(o.dir), { recursive: true });
    await mxctlOk(
      [
        'init',
        '--domain',
        domain,
        '--acme-server',
        pebbleDirectory(address),
        '--resolve',
        address,
        '--ca-file',
        CA_FILE,
      ],
      { dir: o.dir },
    );
  }
  await addLabFiles(o.dir, address);
  await o.beforeUp?.(o.dir, address);
  log('mxctl up');
  await mxctlOk(['up'], { dir: o.dir });
  await savePebbleRoot(o.dir, address);
  log('mxctl admin init');
  await mxctlOk(['admin', 'init'], { dir: o.dir });
}

/** Stops the lab and deletes it: containers, the database volume, the deployment folder. */
export async function labDestroy(dir: string): Promise<void> {
  if (await pathExists(join(dir, 'compose', 'docker-compose.yml'))) {
    await exec('docker', ['compose', 'down', '--volumes', '--remove-orphans', '--timeout', '20'], {
      cwd: join(dir, 'compose'),
      timeout: 180_000,
    }).catch((error: unknown) => {
      process.stderr.write(`lab: docker compose down failed: ${String(error)}\n`);
    });
  }
  await rm(dir, { recursive: true, force: true });
}

/**
 * A lab slot (its loopback address) is held through a lock folder with the owner's pid; a lock
 * whose owner is gone is taken over. Returns the release function, or undefined when busy.
 */
export async function tryLockSlot(n: number): Promise<(() => Promise<void>) | undefined> {
  const lock = `/tmp/element-matrix-lab.${n}.lock`;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFileAtomic(join(lock, 'pid'), String(process.pid));
      return () => rm(lock, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => '0'));
      if (owner > 0 && isProcessAlive(owner)) return undefined;
      await rm(lock, { recursive: true, force: true });
    }
  }
}

/** Every port a lab binds on its loopback address (compose override + pebble + the registry of lab/registry.ts). */
export const LAB_PORTS = [80, 443, 5000, 5432, 8008, 8080, 9000, 9093, 14000, 15000, 8053] as const;

/** The lab ports already taken on an address, each with its holder when `ss` can tell. */
export async function busyLabPorts(address: string): Promise<string[]> {
  const busy: string[] = [];
  for (const port of LAB_PORTS) {
    if (await isPortFree(address, port)) continue;
    const who = await portHolder(port, address);
    busy.push(`${address}:${port}${who === undefined ? '' : ` held by ${who}`}`);
  }
  return busy;
}

/**
 * The first free slot from 2 up (slot 1 is `npm run lab`'s), waiting while all are locked.
 * WHY the port check on top of the lock: the lock lives in /tmp, but loopback ports are shared by
 * everything in the network namespace — a lab from a killed run, or a run from another mount
 * namespace (another checkout, a CI runner beside a dev shell) holds the ports without our lock.
 * Such a slot is skipped, never waited on: its holder may never go away.
 */
export interface SlotRange {
  /** The first and last slot to try (the e2e labs use 2-12; the slot tests use a range no lab uses). */
  first: number;
  last: number;
  waitMs?: number;
}

export const LAB_SLOTS: SlotRange = { first: 2, last: 12 };

export async function acquireTestSlot(
  range: SlotRange = LAB_SLOTS,
): Promise<{ n: number; release: () => Promise<void> }> {
  const deadline = Date.now() + (range.waitMs ?? 30 * 60_000);
  const span = `127.0.0.${range.first}-${range.last}`;
  for (;;) {
    const portBusy: string[] = [];
    let locked = 0;
    for (let n = range.first; n <= range.last; n++) {
      const release = await tryLockSlot(n);
      if (release === undefined) {
        locked++;
        continue;
      }
      const address = labSlot(n).address;
      const busy = await busyLabPorts(address);
      if (busy.length === 0) return { n, release };
      await release();
      portBusy.push(busy.join(', '));
      process.stderr.write(
        `lab: skipping slot ${address}, its ports are in use (${busy.join(', ')}); a lab from a killed run? \`docker ps\` shows it\n`,
      );
    }
    if (locked === 0)
      throw new Error(
        `every lab slot (${span}) has its ports in use by something outside this checkout: ${portBusy.join('; ')}`,
      );
    if (Date.now() > deadline) throw new Error(`every lab slot (${span}) is taken by another run`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}
