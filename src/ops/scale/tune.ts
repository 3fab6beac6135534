// `mxctl tune apply|revert`: Synapse's cache factor and PostgreSQL's memory settings sized to the
// host (core/scale/tuning.ts), and a factor of their own for the caches Synapse's metrics show
// short of room (core/scale/cache-factors.ts), shown as a diff, applied, health-gated, and taken
// back exactly.
// Before anything changes, what it replaces is written to state/tune.json (the previous
// homeserver.yaml byte for byte, each setting's previous value and whether ALTER SYSTEM had set
// it): a failed gate, a later `tune revert`, or a revert after a run killed half-way all read it.
// PostgreSQL's settings go through ALTER SYSTEM (postgresql.auto.conf in its volume: PostgreSQL's
// own mechanism, kept across restarts; a backup, being a dump, does not carry it: run `tune apply`
// again after a restore onto a new machine).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { MxError } from '../../core/errors.ts';
import { redact, unifiedDiff } from '../../core/diff.ts';
import { secretValues } from '../../core/deployment-files.ts';
import { secondsSince } from '../../core/clock.ts';
import {
  POSTGRES_TUNABLES,
  NEEDS_RESTART,
  cacheFactorOf,
  cacheFactorsOf,
  describeHost,
  recommendTuning,
  withCacheFactor,
} from '../../core/scale/tuning.ts';
import type { HostShape, PostgresTunable } from '../../core/scale/tuning.ts';
import { cacheStats, perCacheFactors } from '../../core/scale/cache-factors.ts';
import type { CacheAdvice } from '../../core/scale/cache-factors.ts';
import {
  pathExists,
  readText,
  readTextIfAny,
  removePath,
  replaceFileAtomic,
  writeFileAtomic,
} from '../../adapters/fs.ts';
import { withLock } from '../../adapters/lock.ts';
import type { Deps } from '../deps.ts';
import { waitUntilSynapseAnswers } from '../stack.ts';
import { expositionScrape, synapseMetricsUrl } from './scrapes.ts';

export type TuneDeps = Pick<
  Deps,
  'deployment' | 'compose' | 'postgres' | 'synapse' | 'lock' | 'clock' | 'progress' | 'approve'
>;

export interface SettingChange {
  name: PostgresTunable;
  from: string;
  to: string;
  /** PostgreSQL reads it only at start. */
  restart: boolean;
}

export interface TuneReport {
  host: string;
  synapse: {
    from: number | undefined;
    to: number;
    /** Caches short of room, each given a factor of its own (core/scale/cache-factors.ts). */
    perCache: CacheAdvice[];
    /** Why none were sized, when none were. */
    perCacheNote?: string;
  };
  postgres: SettingChange[];
  /** homeserver.yaml's diff ('' when unchanged). */
  diff: string;
  dryRun: boolean;
  /** What was restarted, in order. */
  restarted: string[];
  seconds: number;
}

/** state/tune.json: what an apply replaced, for the way back. */
interface TuneRecord {
  at: string;
  host: string;
  homeserver: { previous: string; appliedSha256: string } | undefined;
  postgres: { name: PostgresTunable; previous: string; wasAltered: boolean; applied: string }[];
}

const HOMESERVER = ['synapse', 'homeserver.yaml'];
const recordPath = (d: TuneDeps) => join(d.deployment.stateDir, 'tune.json');
const lockPath = (d: TuneDeps) => join(d.deployment.stateDir, 'tune.lock');
const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');

/**
 * Per-cache factors from Synapse's cache metrics, read now: what its caches did since it started.
 * None when homeserver.yaml has per_cache_factors of its own (never merged) or the metrics
 * cannot be read (the global factor is applied all the same; the note says why).
 */
async function cacheAdvice(
  globalFactor: number,
  hs: string,
  d: TuneDeps,
): Promise<{ advice: CacheAdvice[]; note?: string }> {
  if (Object.keys(cacheFactorsOf(hs).perCache).length > 0 || /^\s+per_cache_factors:/m.test(hs))
    return { advice: [], note: "homeserver.yaml's own per_cache_factors are kept" };
  try {
    const stats = cacheStats(await expositionScrape(await synapseMetricsUrl(d))());
    const advice = perCacheFactors(stats, globalFactor);
    return advice.length > 0
      ? { advice }
      : { advice, note: `no cache is short of room (${stats.length} caches in Synapse's metrics)` };
  } catch (error) {
    return { advice: [], note: `Synapse's cache metrics could not be read: ${(error as Error).message}` };
  }
}

export async function applyTuning(o: { host: HostShape; dryRun: boolean }, d: TuneDeps): Promise<TuneReport> {
  const started = d.clock.now();
  return withLock(d.lock, lockPath(d), 'tune apply', async () => {
    if (!o.dryRun && (await pathExists(recordPath(d))))
      throw new MxError('E_USAGE', 'A tuning is applied already (state/tune.json).', {
        hint: 'Take it back first with `mxctl tune revert`, then apply again (e.g. on a bigger machine).',
      });
    const plan = recommendTuning(o.host);
    const note = `sized to ${describeHost(o.host)}`;
    const hsPath = join(d.deployment.root, ...HOMESERVER);
    const hs = await readText(hsPath);
    const caches = await cacheAdvice(plan.synapse.globalFactor, hs, d);
    const next = withCacheFactor(
      hs,
      plan.synapse.globalFactor,
      note,
      Object.fromEntries(caches.advice.map((a) => [a.name, a.factor])),
    );
    if (next === undefined)
      throw new MxError('E_CONFIG_INVALID', `${hsPath}: its caches block is not in a layout mxctl can edit safely.`, {
        hint: `Set caches.global_factor: ${plan.synapse.globalFactor} there by hand (block style), or remove the block and run again.`,
      });
    const current = await currentSettings(d);
    const changes = POSTGRES_TUNABLES.filter((n) => current[n].bytes !== sizeBytes(plan.postgres[n])).map(
      (name): SettingChange => ({
        name,
        from: current[name].value,
        to: plan.postgres[name],
        restart: NEEDS_RESTART.has(name),
      }),
    );
    const report: TuneReport = {
      host: describeHost(o.host),
      synapse: {
        from: cacheFactorOf(hs),
        to: plan.synapse.globalFactor,
        perCache: caches.advice,
        ...(caches.note === undefined ? {} : { perCacheNote: caches.note }),
      },
      postgres: changes,
      // NOTE: the change lands at the end of the file, beside the secrets: its context lines must not show them.
      diff: redact(
        unifiedDiff(hs, next, HOMESERVER.join('/'), 3, 'mxctl tune apply'),
        secretValues(d.deployment.settings),
      ),
      dryRun: o.dryRun,
      restarted: [],
      seconds: 0,
    };
    if (o.dryRun) return { ...report, seconds: secondsSince(d.clock, started) };
    await d.approve(
      `Apply this tuning to ${d.deployment.settings.MX_SERVER_NAME} (Synapse restarts${changes.some((c) => c.restart) ? ', and PostgreSQL' : ''})?`,
    );
    const record: TuneRecord = {
      at: started.toISOString(),
      host: report.host,
      homeserver: next === hs ? undefined : { previous: hs, appliedSha256: sha256(next) },
      postgres: changes.map((c) => ({
        name: c.name,
        previous: c.from,
        wasAltered: current[c.name].altered,
        applied: c.to,
      })),
    };
    await writeFileAtomic(recordPath(d), `${JSON.stringify(record, null, 2)}\n`, 0o600);
    try {
      if (record.homeserver !== undefined) await replaceFileAtomic(hsPath, next);
      report.restarted = await setAndRestart(
        changes.map((c) => ({ name: c.name, sql: `ALTER SYSTEM SET ${c.name} = '${c.to}';` })),
        changes.some((c) => c.restart),
        d,
      );
      await gate(Object.fromEntries(changes.map((c) => [c.name, c.to])), d);
    } catch (error) {
      d.progress.step(`the tuning failed (${(error as Error).message}); taking it back`);
      await putBack(record, d).catch(() => undefined);
      throw new MxError('E_STACK_UNHEALTHY', `The tuning was taken back: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return { ...report, seconds: secondsSince(d.clock, started) };
  });
}

export interface RevertReport {
  homeserver: boolean;
  postgres: { name: PostgresTunable; to: string }[];
  restarted: string[];
  seconds: number;
}

export async function revertTuning(_o: Record<string, never>, d: TuneDeps): Promise<RevertReport> {
  const started = d.clock.now();
  return withLock(d.lock, lockPath(d), 'tune revert', async () => {
    const text = await readTextIfAny(recordPath(d));
    if (text === undefined)
      throw new MxError('E_USAGE', 'No tuning to take back: `mxctl tune apply` has not been run (or was reverted).');
    const record = JSON.parse(text) as TuneRecord;
    const hsPath = join(d.deployment.root, ...HOMESERVER);
    if (record.homeserver !== undefined && sha256(await readText(hsPath)) !== record.homeserver.appliedSha256)
      throw new MxError(
        'E_CONFIG_INVALID',
        `${hsPath} was edited after \`mxctl tune apply\`: it is not put back blindly.`,
        {
          hint: 'Undo the edit, or set caches.global_factor back by hand and delete state/tune.json.',
        },
      );
    await d.approve('Take back the tuning (Synapse restarts)?');
    const restarted = await putBack(record, d);
    return {
      homeserver: record.homeserver !== undefined,
      postgres: record.postgres.map((p) => ({
        name: p.name,
        to: p.wasAltered ? p.previous : `${p.previous} (default)`,
      })),
      restarted,
      seconds: secondsSince(d.clock, started),
    };
  });
}

/** The way back, from the record: the previous file bytes, each setting as it was, restarts, gate. */
async function putBack(record: TuneRecord, d: TuneDeps): Promise<string[]> {
  if (record.homeserver !== undefined)
    await replaceFileAtomic(join(d.deployment.root, ...HOMESERVER), record.homeserver.previous);
  const restarted = await setAndRestart(
    record.postgres.map((p) => ({
      name: p.name,
      sql: p.wasAltered ? `ALTER SYSTEM SET ${p.name} = '${p.previous}';` : `ALTER SYSTEM RESET ${p.name};`,
    })),
    record.postgres.some((p) => NEEDS_RESTART.has(p.name)),
    d,
  );
  await gate(Object.fromEntries(record.postgres.map((p) => [p.name, p.previous])), d);
  await removePath(recordPath(d));
  return restarted;
}

async function setAndRestart(
  sets: { name: string; sql: string }[],
  restartPostgres: boolean,
  d: TuneDeps,
): Promise<string[]> {
  const restarted: string[] = [];
  if (sets.length > 0) {
    d.progress.step(`setting ${sets.map((s) => s.name).join(', ')} (ALTER SYSTEM)`);
    // NOTE: names come from POSTGRES_TUNABLES and values from recommendTuning or pg itself (units only).
    await d.postgres.psql(`${sets.map((s) => s.sql).join('\n')}\nSELECT pg_reload_conf();`);
  }
  if (restartPostgres) {
    d.progress.step('restarting postgres (shared_buffers and wal_buffers are read at start)');
    await d.compose.restart(['postgres']);
    await d.compose.up(['postgres'], { wait: true, timeoutS: 180 });
    restarted.push('postgres');
  }
  d.progress.step('restarting synapse (its cache factor is read at start)');
  await d.compose.restart(['synapse']);
  await waitUntilSynapseAnswers({ timeoutS: 300 }, d);
  restarted.push('synapse');
  return restarted;
}

/** Synapse answers (waited for above), and PostgreSQL runs with every value asked for. */
async function gate(want: Record<string, string>, d: TuneDeps): Promise<void> {
  const names = Object.keys(want);
  if (names.length === 0) return;
  const rows = await d.postgres.psql(
    names.map((n) => `SELECT '${n}', pg_size_bytes(current_setting('${n}')) = pg_size_bytes('${want[n]}');`).join('\n'),
  );
  const wrong = rows
    .split('\n')
    .filter((l) => l.endsWith('|f'))
    .map((l) => l.split('|')[0]);
  if (wrong.length > 0)
    throw new MxError('E_DATABASE', `PostgreSQL does not run with the value asked for: ${wrong.join(', ')}.`);
}

interface Current {
  value: string;
  bytes: number;
  altered: boolean;
}

/** Each tunable as PostgreSQL runs it: its value, in bytes, and whether ALTER SYSTEM set it. */
async function currentSettings(d: TuneDeps): Promise<Record<PostgresTunable, Current>> {
  const list = POSTGRES_TUNABLES.map((n) => `'${n}'`).join(', ');
  const rows = await d.postgres.psql(
    `SELECT name, current_setting(name), pg_size_bytes(current_setting(name)), coalesce(sourcefile, '') LIKE '%postgresql.auto.conf' FROM pg_settings WHERE name IN (${list}) ORDER BY name;`,
  );
  const out = {} as Record<PostgresTunable, Current>;
  for (const line of rows.trim().split('\n')) {
    const [name, value, bytes, altered] = line.split('|');
    out[name as PostgresTunable] = {
      value: value ?? '',
      bytes: Number(bytes),
      altered: altered === 't',
    };
  }
  for (const n of POSTGRES_TUNABLES)
    if (out[n] === undefined) throw new MxError('E_DATABASE', `PostgreSQL does not know the setting ${n}.`);
  return out;
}

/** PostgreSQL's units (kB, MB, GB; powers of 1024) → bytes. */
function sizeBytes(v: string): number {
  const m = /^(\d+)(kB|MB|GB|TB)$/.exec(v);
  if (m === null) return Number.NaN;
  return Number(m[1]) * { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }[m[2] as 'kB'];
}
