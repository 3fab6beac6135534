// The files worker mode writes, rendered from a preset (pure): one YAML per worker, the shared
// additions to homeserver.yaml (the replication listener, the replication secret, Redis,
// instance_map), the compose file of the worker services, and the .env lines that switch it on.
// Every addition to an existing file sits between BEGIN/END marker lines, so going back to one
// process removes exactly what was added and leaves the file byte for byte as it was.
import { logConfigFile, SYNAPSE_DATA } from '../templates/homeserver.ts';
import { MAIN_REPLICATION_PORT, PRESETS, REDIS_PORT, resourcesOf } from './workers-presets.ts';
import type { PresetName, WorkerSpec } from './workers-presets.ts';
import { BEGIN, END, withoutWorkerBlocks } from './workers-env.ts';

const q = (v: string | number): string => JSON.stringify(v);

/** Where worker files live in the deployment (synapse/ is /data in the containers). */
export const WORKERS_DIR = 'workers';

export interface WorkerPlanInput {
  preset: PresetName;
  serverName: string;
  /** The address listeners bind: 0.0.0.0 in a container of its own, the host's address with host networking. */
  bindAddress: string;
  /** 0600 material: workers authenticate to main's replication listener with it. */
  replicationSecret: string;
}

export function workerFileName(w: WorkerSpec): string {
  return `${w.name}.yaml`;
}

export function renderWorkerConfig(w: WorkerSpec, i: WorkerPlanInput): string {
  const bind = `bind_addresses: [${q(i.bindAddress)}]`;
  const http =
    w.ports.http === undefined
      ? ''
      : `  - type: http
    port: ${w.ports.http}
    ${bind}
    x_forwarded: true
    resources:
      - names: [${resourcesOf(w.kind).join(', ')}]
        compress: false
`;
  return `# Synapse worker ${w.name} (${w.kind}) — written by \`mxctl scale workers --preset ${i.preset}\`.
# Loaded after homeserver.yaml, which holds what every process shares.
worker_app: synapse.app.generic_worker
worker_name: ${w.name}
worker_log_config: ${q(`${SYNAPSE_DATA}/${logConfigFile(i.serverName)}`)}
worker_listeners:
${http}  # Replication from the other processes (instance_map); never proxied.
  - type: http
    port: ${w.ports.replication}
    ${bind}
    resources:
      - names: [replication]
  - type: metrics
    port: ${w.ports.metrics}
    ${bind}
`;
}

/** The item added to homeserver.yaml's listeners: main's replication endpoint for the workers. */
export function renderMainReplicationListener(bindAddress: string): string {
  return `  ${BEGIN}: main's replication listener (workers only; never proxied)
  - port: ${MAIN_REPLICATION_PORT}
    type: http
    bind_addresses: [${q(bindAddress)}]
    resources:
      - names: [replication]
  ${END}
`;
}

/** The block appended to homeserver.yaml: what main and every worker share. */
export function renderSharedBlock(i: WorkerPlanInput): string {
  const workers = PRESETS[i.preset].workers;
  const instances = workers
    .map((w) => `  ${w.name}:\n    host: ${w.name}\n    port: ${w.ports.replication}\n`)
    .join('');
  const senders = workers.filter((w) => w.kind === 'federation-sender').map((w) => w.name);
  return `${BEGIN} (preset ${i.preset}): \`mxctl scale workers --workers 0\` removes this block.
worker_replication_secret: ${q(i.replicationSecret)}
redis:
  enabled: true
  host: redis
  port: ${REDIS_PORT}
instance_map:
  main:
    host: synapse
    port: ${MAIN_REPLICATION_PORT}
${instances}${senders.length === 0 ? '' : `federation_sender_instances: [${senders.join(', ')}]\n`}${END}
`;
}

/** homeserver.yaml with the worker additions, or undefined when its listeners are not where mxctl writes them. */
export function withWorkerBlocks(homeserver: string, i: WorkerPlanInput): string | undefined {
  const base = withoutWorkerBlocks(homeserver);
  const at = base.indexOf('\nlisteners:\n');
  if (at < 0) return undefined;
  const cut = at + '\nlisteners:\n'.length;
  const listener = renderMainReplicationListener(i.bindAddress);
  const body = `${base.slice(0, cut)}${listener}${base.slice(cut)}`;
  return `${body}${body.endsWith('\n') ? '' : '\n'}${renderSharedBlock(i)}`;
}

/** The replication secret in a homeserver.yaml already in worker mode (kept across presets). */
export function replicationSecretOf(homeserver: string): string | undefined {
  const m = /^worker_replication_secret: "([^"\n]+)"$/m.exec(homeserver);
  return m?.[1];
}

/** The preset a homeserver.yaml is in, or undefined for one process. */
export function presetOf(homeserver: string): string | undefined {
  const m = new RegExp(`^${BEGIN} \\(preset ([a-z-]+)\\)`, 'm').exec(homeserver);
  return m?.[1];
}
