// What `mxctl tune` writes, sized to the host: Synapse's cache factor and PostgreSQL's memory
// settings (pgtune's rules for a web workload). Pure: the host's shape is passed in.
//
// WHY a quarter of the memory for PostgreSQL: the whole stack shares one machine (Synapse, its
// caches, nginx, the OS page cache), so pgtune's "total memory" input is the share PostgreSQL may
// plan for, not the machine. effective_cache_size is a planner hint about the OS page cache (no
// allocation), so it is judged against the whole machine.
import { parse as parseYaml } from 'yaml';

export interface HostShape {
  memoryBytes: number;
  cores: number;
}

export interface Tuning {
  synapse: { globalFactor: number };
  /** ALTER SYSTEM values, in PostgreSQL's own units (kB, MB, GB). */
  postgres: Record<PostgresTunable, string>;
}

export const POSTGRES_TUNABLES = [
  'shared_buffers',
  'effective_cache_size',
  'maintenance_work_mem',
  'work_mem',
  'wal_buffers',
  'max_wal_size',
] as const;
export type PostgresTunable = (typeof POSTGRES_TUNABLES)[number];

/** Settings PostgreSQL reads only at start (context 'postmaster'): changing one needs a restart. */
export const NEEDS_RESTART: ReadonlySet<PostgresTunable> = new Set(['shared_buffers', 'wal_buffers']);

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** Synapse's own pool: cp_max 10 per process; PostgreSQL's default limit leaves room for admin sessions. */
const MAX_CONNECTIONS = 100;

export function recommendTuning(h: HostShape): Tuning {
  const pg = h.memoryBytes / 4;
  const sharedBuffers = pg / 4;
  // pgtune: what is left after shared_buffers, spread over every connection's ~3 sorts, per parallel worker.
  const workMem = Math.max(
    4 * MiB,
    (pg - sharedBuffers) / (MAX_CONNECTIONS * 3) / Math.max(1, Math.floor(h.cores / 2)),
  );
  return {
    synapse: { globalFactor: cacheFactor(h.memoryBytes) },
    postgres: {
      shared_buffers: mb(sharedBuffers),
      effective_cache_size: mb(h.memoryBytes / 2),
      maintenance_work_mem: mb(Math.min(2 * GiB, pg / 16)),
      work_mem: `${Math.floor(workMem / 1024)}kB`,
      // pgtune: 3 % of shared_buffers, at most 16 MB (one WAL segment).
      wal_buffers: mb(Math.min(16 * MiB, Math.max(MiB, sharedBuffers * 0.03))),
      max_wal_size: h.memoryBytes >= 8 * GiB ? '4GB' : '2GB',
    },
  };
}

/**
 * Synapse's default factor (0.5) is sized for a small host. One step per 4 GiB, in halves, from
 * 0.5 to 4.0: caches trade memory for database round-trips, and more than 4 mostly grows memory.
 */
export function cacheFactor(memoryBytes: number): number {
  const f = Math.round((memoryBytes / (4 * GiB)) * 2) / 2;
  return Math.min(4, Math.max(0.5, f));
}

function mb(bytes: number): string {
  return `${Math.max(1, Math.floor(bytes / MiB))}MB`;
}

const MARK = '# Written by `mxctl tune apply`';

/**
 * homeserver.yaml with `caches.global_factor` set (and `caches.per_cache_factors`, when given),
 * edited as text so every other byte stays as the admin wrote it (a YAML library would re-format
 * flow lists and quotes): the value replaced where the key exists, added under an existing
 * top-level `caches:`, else a block appended at the end. Returns undefined when the result would
 * not read back with those values (a layout it cannot edit, or per_cache_factors already there).
 */
export function withCacheFactor(
  yaml: string,
  factor: number,
  note: string,
  perCache: Readonly<Record<string, number>> = {},
): string | undefined {
  const value = factor.toFixed(1);
  const own = Object.entries(perCache);
  const lines = yaml.split('\n');
  const top = lines.findIndex((l) => /^caches:\s*(#.*)?$/.test(l));
  const perCacheLines = (indent: string) =>
    own.length === 0
      ? []
      : [
          `${indent}per_cache_factors:`,
          ...own.map(([name, f]) => `${indent}${indent}${JSON.stringify(name)}: ${f.toFixed(1)}`),
        ];
  let out: string;
  if (top < 0) {
    const body = yaml.replace(/\n*$/, '\n');
    const block = ['caches:', `  global_factor: ${value}`, ...perCacheLines('  ')].join('\n');
    out = `${body}\n${MARK} (${note}); \`mxctl tune revert\` takes it back.\n${block}\n`;
  } else {
    let end = top + 1;
    while (end < lines.length && (/^\s+\S/.test(lines[end] ?? '') || (lines[end] ?? '').trim() === '')) end++;
    const block = lines.slice(top + 1, end);
    if (own.length > 0 && block.some((l) => /^\s+per_cache_factors:/.test(l))) return undefined;
    const at = block.findIndex((l) => /^\s+global_factor:/.test(l));
    const indent = /^(\s+)\S/.exec(block.find((l) => l.trim() !== '') ?? '')?.[1] ?? '  ';
    const added = [`${indent}global_factor: ${value}  ${MARK} (${note})`, ...perCacheLines(indent)];
    lines.splice(top + 1 + (at >= 0 ? at : 0), at >= 0 ? 1 : 0, ...added);
    out = lines.join('\n');
  }
  // What the admin's per_cache_factors were stays as it was unless ours were asked for.
  const want = own.length > 0 ? Object.fromEntries(own) : cacheFactorsOf(yaml).perCache;
  const read = cacheFactorsOf(out);
  const same =
    read.global === factor &&
    Object.keys(read.perCache).length === Object.keys(want).length &&
    Object.entries(want).every(([name, f]) => read.perCache[name] === f);
  return same ? out : undefined;
}

/** The `caches.global_factor` a homeserver.yaml sets, or undefined (Synapse's default then). */
export function cacheFactorOf(yaml: string): number | undefined {
  return cacheFactorsOf(yaml).global;
}

/** The cache factors a homeserver.yaml sets (an empty perCache: none of its own). */
export function cacheFactorsOf(yaml: string): { global: number | undefined; perCache: Record<string, number> } {
  try {
    const doc = parseYaml(yaml) as { caches?: { global_factor?: unknown; per_cache_factors?: unknown } } | null;
    const f = doc?.caches?.global_factor;
    const per = doc?.caches?.per_cache_factors;
    const perCache =
      typeof per === 'object' && per !== null
        ? Object.fromEntries(Object.entries(per).filter((e): e is [string, number] => typeof e[1] === 'number'))
        : {};
    return { global: typeof f === 'number' ? f : undefined, perCache };
  } catch {
    return { global: undefined, perCache: {} };
  }
}

/** "24 GiB, 2 cores" for notes and reports. */
export function describeHost(h: HostShape): string {
  return `${(h.memoryBytes / GiB).toFixed(h.memoryBytes >= 10 * GiB ? 0 : 1)} GiB, ${h.cores} core${h.cores === 1 ? '' : 's'}`;
}
