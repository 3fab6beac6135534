// What most commands start from: the deployment, its compose project, and how to reach Synapse
// (locally for the admin API, publicly through nginx for checks).
import { isAbsolute, join } from 'node:path';
import { createCompose } from '../adapters/compose.ts';
import type { Compose } from '../adapters/compose.ts';
import { assertDockerReady } from '../adapters/docker.ts';
import { SynapseClient } from '../adapters/synapse.ts';
import type { HttpOptions } from '../adapters/http.ts';
import { parse as parseYaml } from 'yaml';
import { MxError } from '../core/errors.ts';
import { readTextIfExists } from '../adapters/fs.ts';
import { SERVICES } from '../core/templates/compose.ts';
import { loadDeployment } from './deployment.ts';
import type { Deployment, LocateOptions } from './deployment.ts';

export interface StackContext {
  deployment: Deployment;
  compose: Compose;
  /** How to reach the public names: extra CA and fixed address from the settings. */
  publicHttp: HttpOptions;
  /** Synapse on its loopback port, without a token. */
  synapse: SynapseClient;
}

export async function readExtraCa(d: Deployment): Promise<string | undefined> {
  const file = d.settings.MXCTL_CA_FILE;
  if (file === '') return undefined;
  const path = isAbsolute(file) ? file : join(d.root, file);
  // NOTE: a missing or unreadable CA file is not fatal here: TLS checks then fail with "not
  // trusted", which names the real consequence.
  return readTextIfExists(path).catch(() => undefined);
}

export async function openStack(o: LocateOptions, { needDocker = true } = {}): Promise<StackContext> {
  const deployment = await loadDeployment(o);
  if (needDocker) await assertDockerReady();
  const ca = await readExtraCa(deployment);
  const resolve = deployment.settings.MXCTL_RESOLVE;
  return {
    deployment,
    compose: createCompose(deployment.composeDir),
    publicHttp: { ca, resolve: resolve === '' ? undefined : resolve },
    synapse: new SynapseClient({ baseUrl: `http://${deployment.settings.SYNAPSE_LOCAL_ADDRESS}:${deployment.settings.SYNAPSE_LOCAL_PORT}` }),
  };
}

/** The services the compose project defines (including an override file's). */
export async function composeServices(compose: Compose): Promise<string[]> {
  const text = await compose.config();
  const services = parseServiceNames(text);
  if (services.length === 0) throw new MxError('E_CONFIG_INVALID', 'docker compose config lists no services.');
  return services;
}

function parseServiceNames(configYaml: string): string[] {
  const doc = parseYaml(configYaml) as { services?: Record<string, unknown> } | null;
  return Object.keys(doc?.services ?? {});
}

export async function assertKnownService(compose: Compose, service: string | undefined): Promise<void> {
  if (service === undefined) return;
  const known = await composeServices(compose);
  if (!known.includes(service)) {
    const ordered = [...SERVICES.filter((s) => known.includes(s)), ...known.filter((k) => !(SERVICES as readonly string[]).includes(k))];
    throw new MxError('E_UNKNOWN_SERVICE', `Unknown service "${service}".`, { hint: `The services are: ${ordered.join(', ')}.` });
  }
}
