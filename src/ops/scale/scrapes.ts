// What `mxctl scale check` reads now, each as Prometheus samples under the names a Prometheus
// would hold them (core/scale/readings.ts): Synapse's metrics listener; PostgreSQL's container
// CPU from its cgroup (cAdvisor's name); the filesystems of the media store and of Docker's data
// root, where the database volume lives (node_exporter's names); and the distinct users Synapse
// saw in its user_ips table.
import { join } from 'node:path';
import { diskUsage } from '../../adapters/fs.ts';
import { dockerRootDir } from '../../adapters/docker.ts';
import { httpFetch, describeNetworkError } from '../../adapters/http.ts';
import { hostShape } from '../../adapters/host.ts';
import { inspectContainer } from '../../adapters/docker-inspect.ts';
import { MxError } from '../../core/errors.ts';
import type { Sample } from '../../core/check/prometheus.ts';
import { parseExposition } from '../../core/check/prometheus.ts';
import { metricsTarget } from '../../core/check/metrics-target.ts';
import { METRIC } from '../../core/scale/readings.ts';
import type { Deps } from '../deps.ts';
import { readHomeserver } from '../doctor/facts.ts';

export type ScrapeDeps = Pick<Deps, 'deployment' | 'compose' | 'postgres'>;
export type ScrapeSource = () => Promise<Sample[]>;

/** Any exposition over HTTP: Synapse's listener, or whatever else serves the format. */
export function expositionScrape(url: string): ScrapeSource {
  return async () => {
    let text: string;
    try {
      const res = await httpFetch(url, {}, { timeoutMs: 10_000 });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      text = res.text();
    } catch (error) {
      throw new MxError('E_STACK_UNHEALTHY', `The metrics at ${url} do not answer: ${describeNetworkError(error)}`, {
        hint: '`mxctl status` and `mxctl doctor` say why Synapse is not answering.',
      });
    }
    return parseExposition(text).samples;
  };
}

/** Where the host reaches Synapse's metrics listener (never published; check's rule). */
export async function synapseMetricsUrl(d: ScrapeDeps): Promise<string> {
  const synapse = (await d.compose.ps()).find((s) => s.service === 'synapse');
  const c = synapse === undefined ? undefined : await inspectContainer(synapse.container);
  const where = metricsTarget({
    running: synapse?.state === 'running',
    hostNetwork: c?.hostNetwork ?? false,
    addresses: c?.addresses ?? [],
    listeners: (await readHomeserver(d.deployment.root)).config?.['listeners'],
    localAddress: d.deployment.settings.SYNAPSE_LOCAL_ADDRESS,
  });
  if ('why' in where)
    throw new MxError('E_STACK_UNHEALTHY', `Cannot read Synapse's metrics: ${where.why}.`, {
      hint: '`mxctl up`, then `mxctl doctor`.',
    });
  return where.url;
}

/** PostgreSQL's CPU seconds (its container's cgroup, v2 or v1), the host's cores, the two filesystems. */
export async function hostScrape(d: ScrapeDeps): Promise<ScrapeSource> {
  const dockerRoot = await dockerRootDir();
  const places = [join(d.deployment.root, 'synapse', 'media_store'), dockerRoot];
  return async () => {
    const r = await d.compose.exec(
      'postgres',
      ['sh', '-c', 'cat /sys/fs/cgroup/cpu.stat 2>/dev/null || cat /sys/fs/cgroup/cpuacct/cpuacct.usage'],
      { timeoutMs: 20_000 },
    );
    const out: Sample[] = [{ name: METRIC.cores, labels: {}, value: hostShape().cores }];
    const seconds = cgroupCpuSeconds(r.stdout);
    if (r.exitCode === 0 && seconds !== undefined)
      out.push({ name: METRIC.containerCpu, labels: { name: 'postgres' }, value: seconds });
    for (const path of places) {
      const u = await diskUsage(path);
      out.push({ name: METRIC.fsSize, labels: { mountpoint: path }, value: u.totalBytes });
      out.push({ name: METRIC.fsAvail, labels: { mountpoint: path }, value: u.totalBytes * (1 - u.usedFraction) });
    }
    return out;
  };
}

/** cgroup v2's cpu.stat (usage_usec) or v1's cpuacct.usage (ns) → seconds. */
export function cgroupCpuSeconds(text: string): number | undefined {
  const v2 = /^usage_usec (\d+)$/m.exec(text);
  if (v2 !== null) return Number(v2[1]) / 1e6;
  const v1 = /^(\d+)\s*$/.exec(text);
  return v1 === null ? undefined : Number(v1[1]) / 1e9;
}

/**
 * How long after a request a user still counts as active. Synapse writes a user's last_seen at
 * most every 2 minutes while they stay active (LAST_SEEN_GRANULARITY in its client_ips store), so
 * a shorter span would miss users who are there.
 */
export const ACTIVITY_SPAN_MS = 5 * 60_000;

/** Distinct users with a request in the last ACTIVITY_SPAN_MS, from user_ips (what Synapse saw). */
export function usersScrape(d: ScrapeDeps): ScrapeSource {
  return async () => {
    const n = await d.postgres.psql(
      `SELECT count(DISTINCT user_id) FROM user_ips WHERE last_seen > (extract(epoch from now()) * 1000)::bigint - ${ACTIVITY_SPAN_MS};`,
    );
    return [{ name: METRIC.activeUsers, labels: { span: '5m' }, value: Number(n.trim()) }];
  };
}
