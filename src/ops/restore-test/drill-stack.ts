// The drill's throwaway stack: its folder, compose project, volume and loopback port; removed
// whatever happens, and what a killed drill left removed before the next one starts.
// Production is only read (`docker compose config`): no command here runs in its project.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { MxError } from '../../core/errors.ts';
import {
  DRILLS_DIR,
  drillProjectName,
  renderDrillCompose,
  renderDrillSynapseConfig,
} from '../../core/restore-test/drill-files.ts';
import { createCompose } from '../../adapters/compose.ts';
import type { Compose } from '../../adapters/compose.ts';
import { createPostgres } from '../../adapters/postgres.ts';
import type { Postgres } from '../../adapters/postgres.ts';
import { SynapseClient } from '../../adapters/synapse.ts';
import { isPortFree, portHolder } from '../../adapters/ports.ts';
import { projectObjects, removeProject, resolvedServices } from '../../adapters/compose-project.ts';
import type { ProjectObjects } from '../../adapters/compose-project.ts';
import { writeFileAtomic } from '../../adapters/fs.ts';
import type { Deployment } from '../deployment.ts';

export interface DrillPlace {
  address: string;
  port: number;
  /** `auto`: the shape production's Synapse has (host networking in the lab, a bridge network otherwise). */
  network: 'auto' | 'bridge' | 'host';
}

/** A drill stack: its folder, its project and the adapters aimed at it (never at production). */
export interface DrillStack {
  project: string;
  folder: string;
  /** The archive's files are staged here (deployment/… below it). */
  stagingDir: string;
  /** The staged copy of the deployment: the drill's Synapse reads its synapse/ folder. */
  stagedRoot: string;
  hostNetwork: boolean;
  compose: Compose;
  postgres: Postgres;
  synapse: SynapseClient;
}

export function drillsDir(d: Deployment): string {
  return join(d.root, DRILLS_DIR);
}

export function lockFile(d: Deployment): string {
  return join(drillsDir(d), '.restore-test.lock');
}

/** Everything killed drills left: the project's containers, volume and network, and the folders. */
export async function removeLeftovers(d: Deployment): Promise<ProjectObjects & { folders: string[] }> {
  const removed = await removeProject(drillProjectName(d.settings.COMPOSE_PROJECT_NAME));
  const dir = drillsDir(d);
  const folders = (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.startsWith('.restore-test.lock'));
  for (const name of folders) await rm(join(dir, name), { recursive: true, force: true });
  return { ...removed, folders };
}

/** The drill's address must be its own (checked before anything is read or written). */
export function assertOwnAddress(place: DrillPlace, d: Deployment): void {
  if (place.address === d.settings.SYNAPSE_LOCAL_ADDRESS)
    throw new MxError(
      'E_INVALID_INPUT',
      `--address ${place.address} is production's Synapse address: a drill needs a loopback address of its own.`,
      { hint: 'Pick another 127.x.y.z address (the default is 127.0.0.254).' },
    );
}

/** Every port the drill binds on its address is free. */
async function assertPortsFree(place: DrillPlace, hostNetwork: boolean): Promise<void> {
  // NOTE: with host networking the drill's postgres binds ADDRESS:5432 too.
  for (const port of hostNetwork ? [place.port, 5432] : [place.port]) {
    if (await isPortFree(place.address, port)) continue;
    const who = await portHolder(port, place.address);
    throw new MxError('E_PORT_IN_USE', `${place.address}:${port} is in use${who === undefined ? '' : ` by ${who}`}.`, {
      hint: 'Give the drill another loopback address with --address.',
    });
  }
}

/** Writes the drill's folder and compose project (nothing runs yet). */
export async function prepareDrillStack(place: DrillPlace, d: Deployment): Promise<DrillStack> {
  const services = await resolvedServices(d.composeDir);
  const postgresImage = services['postgres']?.image ?? '';
  const synapseImage = services['synapse']?.image ?? '';
  if (postgresImage === '' || synapseImage === '')
    throw new MxError('E_CONFIG_INVALID', "Production's compose file names no postgres or synapse image.");
  const hostNetwork = place.network === 'auto' ? services['synapse']?.hostNetwork === true : place.network === 'host';
  await assertPortsFree(place, hostNetwork);
  const project = drillProjectName(d.settings.COMPOSE_PROJECT_NAME);
  const folder = join(drillsDir(d), `drill-${process.pid}`);
  const stagingDir = join(folder, 'staged');
  const composeDir = join(folder, 'compose');
  await mkdir(composeDir, { recursive: true, mode: 0o700 });
  // A marker for a person finding the folder; the next drill removes it by its project name.
  await writeFile(join(folder, 'DRILL.txt'), `mxctl restore-test (pid ${process.pid}), project ${project}\n`);
  // The database's name and role as production's (what the dump's grants name), a password of its own.
  const db = {
    user: d.settings.POSTGRES_USER,
    password: randomBytes(24).toString('hex'),
    name: d.settings.POSTGRES_DB,
  };
  const drillYaml = join(folder, 'drill.yaml');
  // NOTE: 0644 so Synapse (uid 991 in its container) reads it; drills/ is 0700, so no one else can.
  await writeFileAtomic(
    drillYaml,
    renderDrillSynapseConfig({ address: place.address, port: place.port, hostNetwork, db }),
    0o644,
  );
  const stagedRoot = join(stagingDir, 'deployment');
  const spec = {
    project,
    address: place.address,
    port: place.port,
    hostNetwork,
    images: { postgres: postgresImage, synapse: synapseImage },
    db,
    synapseDir: join(stagedRoot, 'synapse'),
    drillYaml,
  };
  await writeFileAtomic(join(composeDir, 'docker-compose.yml'), renderDrillCompose(spec), 0o600);
  return {
    project,
    folder,
    stagingDir,
    stagedRoot,
    hostNetwork,
    compose: createCompose(composeDir),
    postgres: createPostgres({ composeDir, user: db.user, db: db.name }),
    synapse: new SynapseClient({ baseUrl: `http://${place.address}:${place.port}` }),
  };
}

/** Saves the drill's logs (both services) for a person to read after a failed drill. */
export async function saveLogs(stack: DrillStack, to: string): Promise<string | undefined> {
  try {
    const parts: string[] = [];
    for (const service of ['postgres', 'synapse'])
      parts.push(
        `==== ${service} ====\n${await stack.compose.logsText(service, 5000, undefined, { timestamps: true })}`,
      );
    await writeFileAtomic(to, parts.join('\n'), 0o600);
    return to;
  } catch {
    return undefined;
  }
}

/** Containers, volume, network and folder, whatever state the drill is in. Returns what is left. */
export async function tearDown(stack: DrillStack): Promise<ProjectObjects> {
  await removeProject(stack.project).catch(() => undefined);
  await rm(stack.folder, { recursive: true, force: true });
  return projectObjects(stack.project);
}
