// One throwaway lab deployment for an e2e test file: the same path as `npm run lab` (prepare
// host → mxctl init → lab files → mxctl up → trust pebble → mxctl admin init), in a temp
// folder, destroyed afterwards. Lab containers use host networking, so only one lab runs at a
// time: a port already held (e.g. by `npm run lab`) is reported instead of fought over.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPortFree, portHolder } from '../../src/adapters/ports.ts';
import { acquireLabLock, labDestroy, labUp, mxctl, prepareHost, CA_FILE } from '../../lab/lab-stack.ts';
import { readSettings } from '../../src/ops/deployment.ts';
import type { Settings } from '../../src/core/settings.ts';
import { SynapseClient } from '../../src/adapters/synapse.ts';
import type { HttpOptions } from '../../src/adapters/http.ts';
import { readAdminState } from '../../src/ops/admin-state.ts';

export interface Lab {
  dir: string;
  settings: Settings;
  /** How a user's client reaches the public names: via nginx on 127.0.0.1 with pebble's CA. */
  publicHttp: HttpOptions;
  /** Synapse's loopback port with mxctl's admin token. */
  admin: SynapseClient;
  mxctl: (args: readonly string[], env?: NodeJS.ProcessEnv) => ReturnType<typeof mxctl>;
  destroy: () => Promise<void>;
}

const LAB_PORTS = [80, 443, 5432, 8008, 8080, 9000, 14000, 15000, 8053];

export async function assertLabPortsFree(): Promise<void> {
  const busy: string[] = [];
  for (const port of LAB_PORTS) {
    if (await isPortFree('127.0.0.1', port)) continue;
    const who = await portHolder(port);
    busy.push(`127.0.0.1:${port}${who === undefined ? '' : ` held by ${who}`}`);
  }
  if (busy.length > 0) {
    throw new Error(`The lab's ports are in use (${busy.join(', ')}). Is \`npm run lab\` up? Stop it with \`npm run lab:down\`.`);
  }
}

export async function startLab(): Promise<Lab> {
  const release = await acquireLabLock();
  let dir: string | undefined;
  try {
    await assertLabPortsFree();
    await prepareHost();
    dir = await mkdtemp(join(tmpdir(), 'mxlab-e2e-'));
    await labUp({ dir, log: (l) => process.stderr.write(`[lab] ${l}\n`) });
    return await openLab(dir, release);
  } catch (error) {
    if (dir !== undefined) await labDestroy(dir);
    await release();
    throw error;
  }
}

export async function openLab(dir: string, release: () => Promise<void> = () => Promise.resolve()): Promise<Lab> {
  const settings = await readSettings(dir);
  const ca = await readFile(join(dir, CA_FILE), 'utf8');
  const state = await readAdminState(dir);
  if (state === undefined) throw new Error('the lab has no admin state');
  return {
    dir,
    settings,
    publicHttp: { ca, resolve: '127.0.0.1' },
    admin: new SynapseClient({ baseUrl: `http://127.0.0.1:${settings.SYNAPSE_LOCAL_PORT}`, accessToken: state.access_token }),
    mxctl: (args, env) => mxctl(args, { dir, ...(env === undefined ? {} : { env }) }),
    destroy: async () => {
      await labDestroy(dir);
      await release();
    },
  };
}
