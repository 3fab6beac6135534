// The files worker mode touches, read and planned (via core/scale/workers-*.ts), written
// atomically, and put back from a record. Each planned file carries its text before and after
// (undefined = no such file), so the diff, the write and the way back all come from one list.
import { join } from 'node:path';
import { unifiedDiff, redact } from '../../core/diff.ts';
import { secretValues, SYNAPSE_UID } from '../../core/deployment-files.ts';
import { renderNginx } from '../../core/templates/nginx.ts';
import { ALL_WORKER_SERVICES, PRESETS } from '../../core/scale/workers-presets.ts';
import type { PresetName } from '../../core/scale/workers-presets.ts';
import {
  WORKERS_DIR,
  renderWorkerConfig,
  replicationSecretOf,
  withWorkerBlocks,
} from '../../core/scale/workers-config.ts';
import { renderWorkersCompose } from '../../core/scale/workers-compose.ts';
import {
  WORKERS_COMPOSE_FILE,
  composeFileFor,
  withEnvBlock,
  withoutWorkerBlocks,
} from '../../core/scale/workers-env.ts';
import { MxError } from '../../core/errors.ts';
import { monitorServiceOn } from '../../core/settings.ts';
import { pathExists, readTextIfExists, removePath, writeFileAtomic } from '../../adapters/fs.ts';
import type { Deps } from '../deps.ts';

export interface PlannedFile {
  /** Relative to the deployment root. */
  path: string;
  before: string | undefined;
  after: string | undefined;
  mode: number;
  synapseOwned: boolean;
}

export const HOMESERVER = 'synapse/homeserver.yaml';
const NGINX_SITE = 'nginx/templates/matrix.conf.template';

/** Every file worker mode may touch, as it is now. */
export async function readCurrent(root: string): Promise<Map<string, string | undefined>> {
  const paths = [
    '.env',
    HOMESERVER,
    NGINX_SITE,
    `compose/${WORKERS_COMPOSE_FILE}`,
    ...ALL_WORKER_SERVICES.map((name) => `synapse/${WORKERS_DIR}/${name}.yaml`),
  ];
  const out = new Map<string, string | undefined>();
  for (const p of paths) out.set(p, await readTextIfExists(join(root, p)));
  return out;
}

export interface PlanInput {
  /** undefined: back to one process. */
  preset: PresetName | undefined;
  settings: Deps['deployment']['settings'];
  bindAddress: string;
  /** A new secret, used only when homeserver.yaml holds none yet. */
  freshSecret: string;
  hasOverride: boolean;
}

/** The files as they will be; unchanged files are left out. */
export function planFiles(current: ReadonlyMap<string, string | undefined>, i: PlanInput): PlannedFile[] {
  const now = (p: string) => current.get(p);
  const hs = now(HOMESERVER);
  const env = now('.env');
  if (hs === undefined || env === undefined)
    throw new MxError('E_NO_DEPLOYMENT', 'synapse/homeserver.yaml or .env is missing.', {
      hint: 'Run this in a deployment `mxctl init` wrote (see --dir).',
    });
  const secret = replicationSecretOf(hs) ?? i.freshSecret;
  const preset = i.preset;
  const input =
    preset === undefined
      ? undefined
      : { preset, serverName: i.settings.MX_SERVER_NAME, bindAddress: i.bindAddress, replicationSecret: secret };
  const hsAfter = input === undefined ? withoutWorkerBlocks(hs) : withWorkerBlocks(hs, input);
  if (hsAfter === undefined)
    throw new MxError('E_CONFIG_INVALID', `${HOMESERVER} has no top-level \`listeners:\` list where mxctl writes it.`, {
      hint: "Put back mxctl's listeners block (see `mxctl init --dry-run`), then run again.",
    });
  const composeFile = composeFileFor(i.hasOverride);
  const envAfter =
    preset === undefined
      ? withoutWorkerBlocks(env)
      : withEnvBlock(env, {
          preset,
          redisImage: i.settings.REDIS_IMAGE,
          composeFile,
          monitor: monitorServiceOn(i.settings),
        });
  const nginx = renderNginx({ ...i.settings, SYNAPSE_WORKERS: preset ?? '' })['matrix.conf.template'];
  const workers = new Set((preset === undefined ? [] : PRESETS[preset].workers).map((w) => w.name));
  const files: PlannedFile[] = [
    { path: '.env', before: env, after: envAfter, mode: 0o600, synapseOwned: false },
    { path: HOMESERVER, before: hs, after: hsAfter, mode: 0o600, synapseOwned: true },
    { path: NGINX_SITE, before: now(NGINX_SITE), after: nginx, mode: 0o644, synapseOwned: false },
    {
      path: `compose/${WORKERS_COMPOSE_FILE}`,
      before: now(`compose/${WORKERS_COMPOSE_FILE}`),
      after: preset === undefined ? undefined : renderWorkersCompose(preset, i.bindAddress),
      mode: 0o644,
      synapseOwned: false,
    },
    ...ALL_WORKER_SERVICES.map((name): PlannedFile => {
      const path = `synapse/${WORKERS_DIR}/${name}.yaml`;
      const spec = preset === undefined ? undefined : PRESETS[preset].workers.find((w) => w.name === name);
      return {
        path,
        before: now(path),
        after:
          spec === undefined || input === undefined || !workers.has(name) ? undefined : renderWorkerConfig(spec, input),
        mode: 0o640,
        synapseOwned: true,
      };
    }),
  ];
  return files.filter((f) => f.before !== f.after);
}

/** One unified diff of every change, secrets shown as REDACTED. */
export function diffOf(files: readonly PlannedFile[], settings: Deps['deployment']['settings']): string {
  const secrets = [...secretValues(settings)];
  for (const f of files) {
    const s = replicationSecretOf(f.after ?? '') ?? replicationSecretOf(f.before ?? '');
    if (s !== undefined) secrets.push(s);
  }
  const text = files.map((f) => unifiedDiff(f.before ?? '', f.after ?? '', f.path, 3, 'mxctl scale workers')).join('');
  return redact(text, secrets);
}

/** Writes (or removes) each file: a temp file renamed into place, so none is ever half-written. */
export async function writePlanned(
  root: string,
  files: readonly PlannedFile[],
  which: 'after' | 'before',
): Promise<void> {
  const owner = process.getuid?.() === 0 ? { uid: SYNAPSE_UID, gid: SYNAPSE_UID } : undefined;
  for (const f of files) {
    const text = f[which];
    const path = join(root, f.path);
    if (text === undefined) {
      if (await pathExists(path)) await removePath(path);
    } else await writeFileAtomic(path, text, f.mode, f.synapseOwned ? owner : undefined);
  }
}
