// Docker objects of a whole compose project found by its label, not by a compose file: what a
// restore drill killed part-way left (its folder and compose file may be gone), and what
// production's compose file resolves to (images, network shape) for the drill to copy.
import { run } from './exec.ts';
import { MxError } from '../core/errors.ts';

const LABEL = 'com.docker.compose.project';

export interface ResolvedService {
  image: string;
  hostNetwork: boolean;
}

/** `docker compose config --format json` of a project folder: each service's image and network shape. */
export async function resolvedServices(composeDir: string): Promise<Record<string, ResolvedService>> {
  const r = await run('docker', ['compose', 'config', '--format', 'json'], {
    cwd: composeDir,
    timeoutMs: 30_000,
    purpose: "reading production's compose configuration",
  });
  let doc: { services?: Record<string, { image?: string; network_mode?: string }> };
  try {
    doc = JSON.parse(r.stdout) as typeof doc;
  } catch (cause) {
    throw new MxError('E_COMMAND_FAILED', 'docker compose config printed something that is not JSON.', { cause });
  }
  const out: Record<string, ResolvedService> = {};
  for (const [name, s] of Object.entries(doc.services ?? {}))
    out[name] = { image: s.image ?? '', hostNetwork: s.network_mode === 'host' };
  return out;
}

export interface ProjectObjects {
  containers: string[];
  volumes: string[];
  networks: string[];
}

async function list(kind: 'ps' | 'volume' | 'network', project: string): Promise<string[]> {
  const args =
    kind === 'ps'
      ? ['ps', '--all', '--quiet', '--filter', `label=${LABEL}=${project}`]
      : [kind, 'ls', '--quiet', '--filter', `label=${LABEL}=${project}`];
  const r = await run('docker', args, { timeoutMs: 30_000, purpose: `listing the ${project} project's objects` });
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

/** The containers, volumes and networks labelled with `project`. */
export async function projectObjects(project: string): Promise<ProjectObjects> {
  return {
    containers: await list('ps', project),
    volumes: await list('volume', project),
    networks: await list('network', project),
  };
}

/** Removes every container, volume and network of `project`; returns what there was. */
export async function removeProject(project: string): Promise<ProjectObjects> {
  const found = await projectObjects(project);
  const purpose = `removing the ${project} project`;
  if (found.containers.length > 0)
    await run('docker', ['rm', '--force', '--volumes', ...found.containers], { timeoutMs: 120_000, purpose });
  if (found.volumes.length > 0)
    await run('docker', ['volume', 'rm', '--force', ...found.volumes], { timeoutMs: 60_000, purpose });
  if (found.networks.length > 0)
    await run('docker', ['network', 'rm', ...found.networks], { timeoutMs: 60_000, purpose });
  return found;
}
