// One throwaway lab deployment for an e2e test file: the same path as `npm run lab` (prepare
// host → mxctl init → lab files → mxctl up → trust pebble → mxctl admin init), in a temp
// folder, destroyed afterwards. Lab containers use host networking, so only one lab runs at a
// time per loopback address: each test file's lab takes a free slot 127.0.0.N (N >= 2), so files
// can run side by side and beside `npm run lab` (127.0.0.1); a slot whose ports something else
// holds is skipped (see acquireTestSlot).
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireTestSlot, labDestroy, labUp, mxctl, prepareHost, CA_FILE } from './lab-stack.ts';
import { labSlot } from './lab-files.ts';
import { readSettings } from '../src/ops/deployment.ts';
import type { Settings } from '../src/core/settings.ts';
import { SynapseClient } from '../src/adapters/synapse.ts';
import type { HttpOptions } from '../src/adapters/http.ts';
import { readAdminState } from '../src/ops/admin/state.ts';

export interface Lab {
  dir: string;
  /** The loopback address this lab's containers bind (127.0.0.N). */
  address: string;
  settings: Settings;
  /** How a user's client reaches the public names: via nginx on the lab's address with pebble's CA. */
  publicHttp: HttpOptions;
  /** Synapse's loopback port with mxctl's admin token. */
  admin: SynapseClient;
  mxctl: (args: readonly string[], env?: NodeJS.ProcessEnv) => ReturnType<typeof mxctl>;
  destroy: () => Promise<void>;
}

export async function startLab(o: { beforeUp?: (dir: string, address: string) => Promise<void> } = {}): Promise<Lab> {
  const { n, release } = await acquireTestSlot();
  const slot = labSlot(n);
  let dir: string | undefined;
  try {
    await prepareHost();
    dir = await mkdtemp(join(tmpdir(), 'mxlab-e2e-'));
    await labUp({
      dir,
      slot,
      log: (l) => process.stderr.write(`[lab ${slot.address}] ${l}\n`),
      ...(o.beforeUp === undefined ? {} : { beforeUp: o.beforeUp }),
    });
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
  const address = settings.SYNAPSE_LOCAL_ADDRESS;
  return {
    dir,
    address,
    settings,
    publicHttp: { ca, resolve: settings.MXCTL_RESOLVE },
    admin: new SynapseClient({
      baseUrl: `http://${address}:${settings.SYNAPSE_LOCAL_PORT}`,
      accessToken: state.access_token,
    }),
    mxctl: (args, env) => mxctl(args, { dir, ...(env === undefined ? {} : { env }) }),
    destroy: async () => {
      await labDestroy(dir);
      await release();
    },
  };
}
