// Worker presets for `mxctl scale workers`: which Synapse workers a fired trigger calls for, and
// the endpoints each one serves. The endpoint patterns are those of Synapse's docs/workers.md
// ("synapse.app.generic_worker"), the current list (not the contrib files, which predate the
// removal of worker_replication_host in 1.88).

export const PRESET_NAMES = ['federation', 'users'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

export type WorkerKind = 'federation-sender' | 'federation-reader' | 'sync' | 'client-reader';

export interface WorkerSpec {
  /** The compose service, Synapse's worker_name and its instance_map key: one name everywhere. */
  name: string;
  kind: WorkerKind;
  /** Its client/federation listener (none for a federation sender), replication and metrics ports. */
  ports: { http: number | undefined; replication: number; metrics: number };
}

/** Main's replication listener: workers reach the main process here (instance_map.main). */
export const MAIN_REPLICATION_PORT = 9093;
export const REDIS_PORT = 6379;

/**
 * Every worker any preset names, in a fixed order that gives each its own ports: with host
 * networking (the lab) all processes share one address, so no two may share a port.
 */
const ALL: readonly { name: string; kind: WorkerKind }[] = [
  { name: 'synapse-federation-sender-1', kind: 'federation-sender' },
  { name: 'synapse-federation-reader-1', kind: 'federation-reader' },
  { name: 'synapse-sync-1', kind: 'sync' },
  { name: 'synapse-client-reader-1', kind: 'client-reader' },
];

function spec(slot: number): WorkerSpec {
  const w = ALL[slot];
  if (w === undefined) throw new Error(`no worker in slot ${slot}`);
  return {
    ...w,
    ports: {
      http: w.kind === 'federation-sender' ? undefined : 8081 + slot,
      replication: MAIN_REPLICATION_PORT + 1 + slot,
      metrics: 9101 + slot,
    },
  };
}

/** What each preset runs, keyed to the trigger that calls for it (README: Scaling). */
export const PRESETS: Record<PresetName, { why: string; workers: readonly WorkerSpec[] }> = {
  federation: {
    why: 'federation lag: outgoing federation moves to a sender, inbound federation requests to a reader',
    workers: [spec(0), spec(1)],
  },
  users: {
    why: 'many users or slow sync: /sync moves to a sync worker, the read-mostly client API to a client reader',
    workers: [spec(2), spec(3)],
  },
};

/** The compose services of every preset (the lab's override names each one). */
export const ALL_WORKER_SERVICES: readonly string[] = ALL.map((w) => w.name);

const CLIENT = '/_matrix/client/(api/v1|r0|v3|unstable)';
const CLIENT_R0 = '/_matrix/client/(r0|v3|unstable)';

/** docs/workers.md, "Sync requests". */
const SYNC = [
  '^/_matrix/client/(r0|v3)/sync$',
  '^/_matrix/client/(api/v1|r0|v3)/events$',
  '^/_matrix/client/(api/v1|r0|v3)/initialSync$',
  '^/_matrix/client/(api/v1|r0|v3)/rooms/[^/]+/initialSync$',
];

/** docs/workers.md, "Federation requests" and "Inbound federation transaction request". */
const FEDERATION = [
  ...[
    'version$',
    'event/',
    'state/',
    'state_ids/',
    'backfill/',
    'get_missing_events/',
    'publicRooms',
    'query/',
    'make_join/',
    'make_leave/',
    'make_knock/',
    'send_knock/',
    'event_auth/',
    'timestamp_to_event/',
    'exchange_third_party_invite/',
    'user/devices/',
    'hierarchy/',
    'send/',
  ].map((p) => `^/_matrix/federation/v1/${p}`),
  ...['send_join/', 'send_leave/', 'invite/'].map((p) => `^/_matrix/federation/(v1|v2)/${p}`),
  '^/_matrix/key/v2/query',
];

/**
 * docs/workers.md: client API, encryption, registration/login, event sending, user directory
 * search and (one instance, so every room's pagination goes to the same one) /messages. The
 * admin API paths are left out: nginx refuses /_synapse/admin publicly. GET-only endpoints
 * (push rules, account data, presence) stay on main: one regex cannot tell methods apart.
 */
const CLIENT_READER = [
  ...[
    'createRoom$',
    'publicRooms$',
    'rooms/.*/joined_members$',
    'rooms/.*/context/.*$',
    'rooms/.*/members$',
    'rooms/.*/state$',
    'devices(/|$)',
    'voip/turnServer$',
    'rooms/.*/event/',
    'joined_rooms$',
    'search$',
    'directory/room/.*$',
    'keys/device_signing/upload$',
    'keys/signatures/upload$',
    'login$',
    'rooms/.*/redact',
    'rooms/.*/send',
    'rooms/.*/state/',
    'rooms/.*/(join|invite|leave|ban|unban|kick)$',
    'join/',
    'knock/',
    'profile/',
    'rooms/.*/messages$',
  ].map((p) => `^${CLIENT}/${p}`),
  ...[
    'account/3pid$',
    'account/whoami$',
    'account/deactivate$',
    'user/.*/filter(/|$)',
    'capabilities$',
    'notifications$',
    'keys/query$',
    'keys/changes$',
    'keys/claim$',
    'room_keys/',
    'keys/upload',
    'register$',
    'register/available$',
    'password_policy$',
    'user_directory/search$',
  ].map((p) => `^${CLIENT_R0}/${p}`),
  '^/_matrix/client/(r0|v3)/delete_devices$',
  '^/_matrix/client/versions$',
  '^/_matrix/client/v1/rooms/.*/hierarchy$',
  '^/_matrix/client/(v1|unstable)/rooms/.*/relations/',
  '^/_matrix/client/v1/rooms/.*/threads$',
  '^/_matrix/client/v1/room_summary/.*$',
  '^/_matrix/client/v1/rooms/.*/timestamp_to_event$',
  '^/_matrix/client/(api/v1|r0|v3|unstable/.*)/rooms/.*/aliases',
  '^/_matrix/client/v1/register/m.login.registration_token/validity$',
];

/** The request paths (nginx regexes) a kind of worker serves; a federation sender serves none. */
export const ROUTES: Record<WorkerKind, readonly string[]> = {
  'federation-sender': [],
  'federation-reader': FEDERATION,
  sync: SYNC,
  'client-reader': CLIENT_READER,
};

/** The listener resources a kind's HTTP listener carries. */
export function resourcesOf(kind: WorkerKind): string[] {
  if (kind === 'federation-reader') return ['federation'];
  if (kind === 'federation-sender') return [];
  return ['client'];
}
