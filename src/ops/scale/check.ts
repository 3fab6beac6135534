// `mxctl scale check`: the runbook's scaling triggers, each with its value, threshold, how long it
// has held and a verdict (core/scale/triggers.ts); every fired trigger ends in its action with the
// exact change: tune's own diff (a dry run of `mxctl tune apply`) for memory and PostgreSQL CPU,
// the disk's breakdown and a retention diff, the worker preset for load.
import { join } from 'node:path';
import { diskUsage, readText } from '../../adapters/fs.ts';
import { treeBytes } from '../../adapters/tree-size.ts';
import { secondsSince } from '../../core/clock.ts';
import { redact } from '../../core/diff.ts';
import { secretValues } from '../../core/deployment-files.ts';
import type { Action, DiskBreakdown } from '../../core/scale/actions.ts';
import { diskAction, tuneAction, workerAction } from '../../core/scale/actions.ts';
import type { HostShape } from '../../core/scale/tuning.ts';
import type { Judgement, SignalDef, SignalId, TriggerId } from '../../core/scale/triggers.ts';
import { SIGNAL_IDS, SIGNALS, formatSpan, formatValue, judgeSignal } from '../../core/scale/triggers.ts';
import { MonitorHistory, PrometheusHistory, SamplingHistory, prometheusAnswers, readingsOf } from './history.ts';
import { readHistory } from '../monitor/history.ts';
import type { SignalHistory } from './history.ts';
import { expositionScrape, hostScrape, synapseMetricsUrl, usersScrape } from './scrapes.ts';
import { applyTuning } from './tune.ts';
import type { TuneDeps } from './tune.ts';
import { parse as parseYaml } from 'yaml';

export type ScaleCheckDeps = TuneDeps;

export interface ScaleCheckOptions {
  windowMs: number;
  /** The host tune's diff is sized to. */
  host: HostShape;
  /** Per-signal thresholds other than the runbook's. */
  thresholds?: Partial<Record<SignalId, number>>;
  /** Where readings come from; default: Prometheus (PROMETHEUS_URL) if it answers, the monitor's history, then sampling now. */
  history?: readonly SignalHistory[];
}

export interface SignalVerdict extends Judgement {
  id: SignalId;
  trigger: TriggerId;
  title: string;
  seed: string;
  unit: SignalDef['unit'];
  threshold: number;
  source: string | null;
  summary: string;
}

export interface ScaleCheckReport {
  serverName: string;
  windowMs: number;
  sources: string[];
  /** Why a configured Prometheus was not used, when it was not. */
  notes: string[];
  signals: SignalVerdict[];
  actions: ({ trigger: TriggerId } & Action)[];
  /** 0 nothing fired, 1 a trigger fired (its action is due). */
  exitCode: 0 | 1;
  seconds: number;
}

export async function scaleCheck(o: ScaleCheckOptions, d: ScaleCheckDeps): Promise<ScaleCheckReport> {
  const started = d.clock.now();
  const notes: string[] = [];
  const sources = o.history ?? (await defaultHistory(o.windowMs, notes, d));
  const since = new Date(started.getTime() - o.windowMs);
  const readings = await readingsOf(sources, since);
  const now = d.clock.now().getTime();
  const signals = SIGNAL_IDS.map((id): SignalVerdict => {
    const def = SIGNALS[id];
    const threshold = o.thresholds?.[id] ?? def.threshold;
    const got = readings.get(id);
    // NOTE: the window ends where its source's readings do: now for what was sampled during this
    // run, the command's start for a history read at once (the monitor's), so sampling the other
    // signals for a minute does not push the history's readings out of the window.
    const last = got?.readings.reduce((a, r) => Math.max(a, r.at), -Infinity) ?? now;
    const end = Math.max(started.getTime(), Math.min(now, last));
    const j = judgeSignal(got?.readings ?? [], threshold, o.windowMs, end);
    const { id: _id, threshold: _t, ...rest } = def;
    return {
      id,
      ...rest,
      threshold,
      source: got?.source ?? null,
      ...j,
      summary: summaryOf(def, threshold, j, o.windowMs),
    };
  });
  const fired = [...new Set(signals.filter((s) => s.verdict === 'fired').map((s) => s.trigger))];
  const actions: ScaleCheckReport['actions'] = [];
  for (const trigger of fired) {
    d.progress.step(`working out the action for ${trigger}`);
    actions.push({ trigger, ...(await actionFor(trigger, o.host, d)) });
  }
  return {
    serverName: d.deployment.settings.MX_SERVER_NAME,
    windowMs: o.windowMs,
    sources: sources.map((s) => s.source),
    notes,
    signals,
    actions,
    exitCode: fired.length > 0 ? 1 : 0,
    seconds: secondsSince(d.clock, started),
  };
}

async function defaultHistory(windowMs: number, notes: string[], d: ScaleCheckDeps): Promise<SignalHistory[]> {
  const sampling = new SamplingHistory({
    windowMs,
    sources: [expositionScrape(await synapseMetricsUrl(d)), await hostScrape(d), usersScrape(d)],
    clock: d.clock,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    onScrape: (n, of) => d.progress.step(`sampling ${n}/${of}`),
  });
  const store = await readHistory(d.deployment).catch(() => undefined);
  const local = [...(store === undefined ? [] : [new MonitorHistory(store)]), sampling];
  const url = d.deployment.settings.PROMETHEUS_URL;
  if (url === '') return local;
  const up = await prometheusAnswers(url);
  if (up.ok) return [new PrometheusHistory(url, d.clock), ...local];
  notes.push(`PROMETHEUS_URL does not answer (${up.why}): the monitor's history and sampling now instead`);
  return local;
}

function summaryOf(def: SignalDef, threshold: number, j: Judgement, windowMs: number): string {
  const v = (x: number | null) => formatValue(def.unit, x);
  const over = `over ${v(threshold)}`;
  switch (j.verdict) {
    case 'fired':
      return `${v(j.current)}, ${over} for the whole ${formatSpan(windowMs)} window`;
    case 'building':
      return `${v(j.current)}, ${over} for ${formatSpan(j.heldMs)} of the ${formatSpan(windowMs)} window: not sustained yet`;
    case 'unproven':
      return `${v(j.current)}, ${over} in every reading, but they cover ${formatSpan(j.coveredMs)} of ${formatSpan(windowMs)}: a Prometheus (PROMETHEUS_URL) can judge the whole window`;
    case 'spike':
      return `${v(j.current)} now; a spike to ${v(j.peak)} in the window did not hold`;
    case 'quiet':
      return `${v(j.current)} (peak ${v(j.peak)}), under ${v(threshold)}`;
    case 'unknown':
      return 'no reading';
  }
}

async function actionFor(trigger: TriggerId, host: HostShape, d: ScaleCheckDeps): Promise<Action> {
  if (trigger === 'synapse_ram' || trigger === 'postgres_cpu') {
    const t = await applyTuning({ host, dryRun: true }, d);
    return tuneAction(
      trigger,
      t.diff,
      t.postgres.map((c) => `${c.name}: ${c.from} -> ${c.to}${c.restart ? ' (restart)' : ''}`),
    );
  }
  if (trigger === 'disk') {
    const hs = await readText(join(d.deployment.root, 'synapse', 'homeserver.yaml'));
    const a = diskAction(await diskBreakdown(hs, d), hs);
    return { ...a, diff: redact(a.diff, secretValues(d.deployment.settings)) };
  }
  return workerAction(trigger);
}

async function diskBreakdown(homeserver: string, d: ScaleCheckDeps): Promise<DiskBreakdown> {
  const media = join(d.deployment.root, 'synapse', 'media_store');
  const [local, localThumbs, remote, remoteThumbs, fs, db] = await Promise.all([
    treeBytes(join(media, 'local_content')),
    treeBytes(join(media, 'local_thumbnails')),
    treeBytes(join(media, 'remote_content')),
    treeBytes(join(media, 'remote_thumbnail')),
    diskUsage(media),
    d.postgres.psql('SELECT pg_database_size(current_database());'),
  ]);
  const cfg = parseYaml(homeserver) as {
    media_retention?: { local_media_lifetime?: string; remote_media_lifetime?: string };
  };
  const r = cfg.media_retention;
  return {
    filesystem: { path: 'synapse/media_store', totalBytes: fs.totalBytes, freeBytes: fs.freeBytes },
    localMediaBytes: local + localThumbs,
    remoteMediaBytes: remote + remoteThumbs,
    databaseBytes: Number(db.trim()),
    retention:
      r === undefined
        ? undefined
        : {
            ...(r.local_media_lifetime === undefined ? {} : { local: String(r.local_media_lifetime) }),
            ...(r.remote_media_lifetime === undefined ? {} : { remote: String(r.remote_media_lifetime) }),
          },
  };
}
