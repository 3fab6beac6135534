// What each fired trigger asks the admin to do, in commands and exact changes. Pure: the sizes and
// the diffs are measured or computed by the caller (ops/scale/check.ts).
import { unifiedDiff } from '../diff.ts';
import type { TriggerId } from './triggers.ts';

/** The worker presets of `mxctl scale workers` (worker mode on Compose), keyed to the trigger. */
export const WORKER_PRESET = {
  federation: 'federation',
  users: 'users',
} as const;

export interface Action {
  summary: string;
  /** Commands to run, in order. */
  commands: string[];
  /** The exact change to a file, as a unified diff ('' when the change is not to a file). */
  diff: string;
  details: string[];
  /** The disk action's measured parts. */
  breakdown?: DiskBreakdown;
}

export function workerAction(trigger: TriggerId): Action {
  const preset = trigger === 'federation_lag' ? WORKER_PRESET.federation : WORKER_PRESET.users;
  const why =
    trigger === 'federation_lag'
      ? 'one process queues events for other servers too slowly: federation sender workers take that off the main process'
      : 'one Synapse process serves every client: sync and client-reader workers (with Redis) spread the load';
  return {
    summary: `worker mode on Compose, preset "${preset}": ${why}`,
    commands: [`mxctl scale workers --preset ${preset} --dry-run`, `mxctl scale workers --preset ${preset}`],
    diff: '',
    details: [
      'the dry run shows every file it writes (homeserver.yaml, the worker files, compose, nginx routing)',
      'beyond one machine: `mxctl scale export kubernetes --out DIR` (ess-helm values and the migration guide)',
    ],
  };
}

export function tuneAction(trigger: 'synapse_ram' | 'postgres_cpu', diff: string, settings: string[]): Action {
  const summary =
    trigger === 'synapse_ram'
      ? "size Synapse's caches to the host (caches.global_factor), then watch the memory; if it stays high, workers"
      : "size PostgreSQL's memory to the host (shared_buffers, work_mem, effective_cache_size, …) so it reads less from disk";
  return {
    summary,
    commands: ['mxctl tune apply --dry-run', 'mxctl tune apply', '# and the way back: mxctl tune revert'],
    diff,
    details: settings.length === 0 ? ['postgres: already sized so'] : settings.map((s) => `postgres ${s}`),
  };
}

export interface DiskBreakdown {
  /** The fullest filesystem: where, and how full. */
  filesystem: { path: string; totalBytes: number; freeBytes: number };
  localMediaBytes: number;
  remoteMediaBytes: number;
  databaseBytes: number;
  /** homeserver.yaml's media_retention block, when it has one. */
  retention: { local?: string; remote?: string } | undefined;
}

/** How long cached remote media is kept once `media_retention` is set: re-fetched on demand after. */
export const REMOTE_MEDIA_LIFETIME = '90d';

const gib = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GiB`;

export function diskAction(b: DiskBreakdown, homeserver: string): Action {
  const next =
    b.retention?.remote === undefined && !/^media_retention:/m.test(homeserver)
      ? `${homeserver.replace(/\n*$/, '\n')}\n# Cached copies of other servers' media are dropped after this (re-fetched when asked for).\nmedia_retention:\n  remote_media_lifetime: ${REMOTE_MEDIA_LIFETIME}\n`
      : homeserver;
  return {
    breakdown: b,
    summary: `disk: media ${gib(b.localMediaBytes)}, remote media cache ${gib(b.remoteMediaBytes)}, database ${gib(b.databaseBytes)} (${gib(b.filesystem.freeBytes)} free of ${gib(b.filesystem.totalBytes)} on ${b.filesystem.path})`,
    commands: [
      'mxctl media purge-remote --older-than 30d',
      'mxctl backup   # before moving anything',
      'mxctl down',
      '# a bigger volume (NEW_DISK: its device), mounted over the media store: compose bind-mounts synapse/ recursively',
      'mount NEW_DISK /mnt && rsync -aHAX --numeric-ids synapse/media_store/ /mnt/ && umount /mnt',
      'mv synapse/media_store synapse/media_store.old && mkdir synapse/media_store && mount NEW_DISK synapse/media_store',
      '# add that mount to /etc/fstab, then:',
      'mxctl up && mxctl check   # then delete synapse/media_store.old',
    ],
    diff: next === homeserver ? '' : unifiedDiff(homeserver, next, 'synapse/homeserver.yaml', 3, 'retention'),
    details: [
      b.remoteMediaBytes > b.localMediaBytes
        ? 'most of the media is cached from other servers: purge-remote and the retention setting free it'
        : 'most of the media is your users’ own uploads: it has to move to a bigger volume (or S3)',
      b.retention?.remote === undefined
        ? `media_retention.remote_media_lifetime is not set: the diff sets ${REMOTE_MEDIA_LIFETIME} (Synapse restarts to read it)`
        : `media_retention.remote_media_lifetime is ${b.retention.remote}`,
      b.databaseBytes > b.localMediaBytes + b.remoteMediaBytes
        ? 'the database is the larger part: `mxctl purge-history` for old rooms, then VACUUM'
        : 'the database is the smaller part',
    ],
  };
}
