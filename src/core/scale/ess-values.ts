// Values for Element's ess-helm `matrix-stack` chart from this deployment: the names, Synapse's
// settings the chart does not own (as `synapse.additional`), Element Web's, the worker counts, and
// every secret as a reference to a Kubernetes Secret (never a value). The mapping follows Element's
// own ess-migration-tool (which keys the chart owns; the ESS-managed database is `synapse`, owned
// by `synapse_user`; media at /media/media_store), read at ess-helm 83c79817 (chart 26.8.2-dev). Pure.
import { stringify } from 'yaml';
import type { Settings } from '../settings.ts';

/** The Kubernetes Secrets the values name; MIGRATION.md creates them from the deployment's files. */
export const K8S = {
  namespace: 'ess',
  release: 'ess',
  secret: 'mxctl-synapse',
  tlsSecret: 'mxctl-tls',
  keys: {
    signingKey: 'signing.key',
    macaroon: 'MACAROON_SECRET_KEY',
    registration: 'REGISTRATION_SHARED_SECRET',
    formSecret: 'form-secret.yaml',
  },
} as const;

/** The ESS-managed PostgreSQL's database and owner (the migration tool's targets). */
export const ESS_DATABASE = { name: 'synapse', owner: 'synapse_user' } as const;

/**
 * homeserver.yaml keys the chart sets itself (or mxctl moves as a Secret): never in `additional`.
 * From the migration tool's override list, plus the secrets and the container's own paths.
 */
export const CHART_OWNED = new Set([
  'server_name',
  'public_baseurl',
  'database',
  'listeners',
  'signing_key_path',
  'log_config',
  'pid_file',
  'media_store_path',
  'max_upload_size',
  'enable_metrics',
  'redis',
  'instance_map',
  'stream_writers',
  'worker_app',
  'federation_sender_instances',
  'pusher_instances',
  'start_pushers',
  'send_federation',
  'notify_appservices_from_worker',
  'run_background_tasks_on',
  'update_user_directory_from_worker',
  'media_instance_running_background_jobs',
  'enable_media_repo',
  'app_service_config_files',
  'worker_replication_secret',
  'registration_shared_secret',
  'registration_shared_secret_path',
  'macaroon_secret_key',
  'macaroon_secret_key_path',
  'form_secret',
]);

/** A key that names a secret anywhere in a block: the whole block stays out of the values. */
const SECRETISH = /(secret|password|passwd|_pass$|token|private_key|api_key)/i;

/** The chart's worker types (charts/matrix-stack values.schema.json, synapse.workers). */
export const ESS_WORKER_TYPES = [
  'account-data',
  'appservice',
  'background',
  'client-reader',
  'device-lists',
  'encryption',
  'event-creator',
  'event-persister',
  'federation-inbound',
  'federation-reader',
  'federation-sender',
  'initial-synchrotron',
  'media-repository',
  'presence-writer',
  'push-rules',
  'pusher',
  'receipts',
  'sliding-sync',
  'sso-login',
  'synchrotron',
  'typing-persister',
  'user-dir',
] as const;
export type EssWorkerType = (typeof ESS_WORKER_TYPES)[number];

/** Types the chart runs as one instance only (no `replicas` beyond 1). */
export const SINGLE_INSTANCE: ReadonlySet<EssWorkerType> = new Set([
  'account-data',
  'appservice',
  'background',
  'encryption',
  'media-repository',
  'presence-writer',
  'push-rules',
  'sso-login',
  'typing-persister',
  'user-dir',
]);

export interface ExportInput {
  settings: Settings;
  homeserver: Record<string, unknown>;
  /** element/config.json, parsed. */
  element: Record<string, unknown>;
  /** worker_name of each worker file (synapse/workers/*.yaml), when worker mode is on. */
  workerNames: readonly string[];
}

export interface EssExport {
  values: Record<string, unknown>;
  /** homeserver.yaml keys left out because they hold secrets, for MIGRATION.md to name. */
  withheld: string[];
  /** Worker names that match no chart type. */
  unmatchedWorkers: string[];
}

export function essValues(x: ExportInput): EssExport {
  const withheld: string[] = [];
  const additional: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x.homeserver)) {
    if (CHART_OWNED.has(k)) continue;
    if (holdsSecret(k, v)) withheld.push(k);
    else additional[k] = v;
  }
  const workers = workerCounts(x.homeserver, x.workerNames);
  const ref = (secretKey: string) => ({ secret: K8S.secret, secretKey });
  const { default_server_config: _owned, ...element } = x.element;
  const values = {
    serverName: x.settings.MX_SERVER_NAME,
    ingress: { tlsSecret: K8S.tlsSecret },
    postgres: { enabled: true },
    synapse: {
      enabled: true,
      ingress: { host: x.settings.MX_MATRIX_HOST },
      media: { maxUploadSize: chartSize(x.settings.MAX_UPLOAD_SIZE), storage: { size: '50Gi' } },
      signingKey: ref(K8S.keys.signingKey),
      macaroon: ref(K8S.keys.macaroon),
      registrationSharedSecret: ref(K8S.keys.registration),
      additional: {
        '0-mxctl': { config: stringify(additional) },
        '1-mxctl-secrets': { configSecret: K8S.secret, configSecretKey: K8S.keys.formSecret },
      },
      ...(Object.keys(workers.counts).length === 0 ? {} : { workers: workers.counts }),
    },
    elementWeb: {
      enabled: true,
      ingress: { host: x.settings.MX_ELEMENT_HOST },
      ...(Object.keys(element).length === 0 ? {} : { additional: { '0-mxctl': JSON.stringify(element) } }),
    },
    wellKnownDelegation: { enabled: true },
    // NOTE: this deployment has neither: switched off so the export changes nothing on its own.
    matrixAuthenticationService: { enabled: false },
    matrixRTC: { enabled: false },
  };
  return { values, withheld, unmatchedWorkers: workers.unmatched };
}

function holdsSecret(key: string, v: unknown): boolean {
  if (Array.isArray(v)) return v.some((x) => holdsSecret(key, x));
  if (typeof v === 'object' && v !== null) return Object.entries(v).some(([k, y]) => holdsSecret(k, y));
  // NOTE: a flag named like a secret (registration_requires_token: true) is not one.
  return typeof v === 'string' && SECRETISH.test(key);
}

/** The chart wants K or M (`^[0-9]+[MK]$`); .env allows G too. */
export function chartSize(size: string): string {
  const m = /^(\d+)([KMG])$/.exec(size);
  if (m === null) return size;
  return m[2] === 'G' ? `${Number(m[1]) * 1024}M` : size;
}

const listLength = (v: unknown) => (Array.isArray(v) ? v.length : typeof v === 'string' && v !== '' ? 1 : 0);

/** Worker counts from Synapse's own instance settings and the worker files' names. */
function workerCounts(
  hs: Record<string, unknown>,
  names: readonly string[],
): { counts: Partial<Record<EssWorkerType, { enabled: true; replicas?: number }>>; unmatched: string[] } {
  const n = new Map<EssWorkerType, number>();
  const add = (t: EssWorkerType, k: number) => k > 0 && n.set(t, Math.max(n.get(t) ?? 0, k));
  const sw = (hs['stream_writers'] ?? {}) as Record<string, unknown>;
  const off = (v: unknown) =>
    listLength(v) === 1 && ['master', 'main'].includes(String([v].flat()[0])) ? 0 : listLength(v);
  add('federation-sender', listLength(hs['federation_sender_instances']));
  add('pusher', listLength(hs['pusher_instances']));
  add('event-persister', off(sw['events']));
  add('receipts', off(sw['receipts']));
  add('device-lists', off(sw['device_lists']));
  add('typing-persister', off(sw['typing']));
  add('encryption', off(sw['to_device']));
  add('account-data', off(sw['account_data']));
  add('presence-writer', off(sw['presence']));
  add('push-rules', off(sw['push_rules']));
  add('media-repository', listLength(hs['media_instance_running_background_jobs']));
  add(
    'background',
    listLength(hs['run_background_tasks_on']) > 0 && hs['run_background_tasks_on'] !== 'master' ? 1 : 0,
  );
  const unmatched: string[] = [];
  const byName = new Map<EssWorkerType, number>();
  for (const name of names) {
    const t = [...ESS_WORKER_TYPES].sort((a, b) => b.length - a.length).find((w) => name.startsWith(w));
    if (t === undefined) unmatched.push(name);
    else byName.set(t, (byName.get(t) ?? 0) + 1);
  }
  for (const [t, k] of byName) add(t, k);
  const counts: Partial<Record<EssWorkerType, { enabled: true; replicas?: number }>> = {};
  for (const [t, k] of [...n].sort((a, b) => a[0].localeCompare(b[0])))
    counts[t] = SINGLE_INSTANCE.has(t) ? { enabled: true } : { enabled: true, replicas: k };
  return { counts, unmatched };
}
