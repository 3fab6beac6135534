// The health gate after a service is recreated on a new image (issue 8): real work through the
// paths users take, not the container's own healthcheck. A gate either passes every check or
// names the first that failed; the caller rolls back on a failure.
import type { ServiceName } from '../../core/templates/compose.ts';
import { parseTagVersion } from '../../core/upgrade/versions.ts';
import { httpFetch, describeNetworkError } from '../../adapters/http.ts';
import { sleep } from '../../adapters/clock.ts';
import { readAdminState } from '../admin/state.ts';
import { elementConfig, elementPage } from '../public-endpoints.ts';
import { httpsThroughNginx, waitUntilSynapseAnswers } from '../stack.ts';
import type { Deps } from '../deps.ts';

export type GateDeps = Pick<Deps, 'deployment' | 'compose' | 'postgres' | 'synapse' | 'publicHttp' | 'clock'>;

export interface GateCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface GateResult {
  service: ServiceName;
  ok: boolean;
  checks: GateCheck[];
}

export interface GateOptions {
  /** The tag the service should now run (Synapse must report its version). */
  tag: string;
  /** How long Synapse may take to answer after the recreate. */
  timeoutS?: number;
}

export async function gateService(service: ServiceName, o: GateOptions, d: GateDeps): Promise<GateResult> {
  const checks: GateCheck[] = [];
  const run = async (name: string, check: () => Promise<string>): Promise<boolean> => {
    try {
      checks.push({ name, ok: true, detail: await check() });
      return true;
    } catch (error) {
      checks.push({ name, ok: false, detail: (error as Error).message });
      return false;
    }
  };
  const all = async (list: [string, () => Promise<string>][]) => {
    // NOTE: in order, stopping at the first failure: later checks would only repeat its cause.
    for (const [name, check] of list) if (!(await run(name, check))) return;
  };
  // WHY a retry for what answers only over HTTPS: a recreated web container serves a few seconds
  // after `up` returns (nginx answers 502 meanwhile). Synapse has its own wait (synapseAnswers);
  // these had none, and a loaded machine failed a healthy Element upgrade (CI, 2026-12-07).
  const allOnceServing = async (container: ServiceName, list: [string, () => Promise<string>][]) => {
    const deadline = d.clock.now().getTime() + (o.timeoutS ?? 180) * 1000;
    for (;;) {
      checks.length = 0;
      await all(list);
      if (checks.every((c) => c.ok) || d.clock.now().getTime() > deadline) return;
      const st = (await d.compose.ps().catch(() => [])).find((x) => x.service === container);
      if (st !== undefined && st.state !== 'running') return; // exited or restarting: it will not serve
      await sleep(1000);
    }
  };
  switch (service) {
    case 'postgres':
      await all([['a query', () => postgresAnswers(d)]]);
      break;
    case 'synapse':
      await all([
        ['Synapse answers', () => synapseAnswers(o, d)],
        ['Synapse reports the target version', () => synapseVersionIs(o.tag, d)],
        ['the database answers Synapse', () => postgresAnswers(d)],
        ['an admin signs in, syncs and downloads the newest media', () => adminRoundTrip(d)],
        ['the client API through nginx (HTTPS)', () => clientApiThroughNginx(d)],
      ]);
      break;
    case 'element':
      await allOnceServing('element', [
        ['the web client page over HTTPS', () => elementPage(d, '/')],
        ['config.json over HTTPS', () => elementConfig(d)],
      ]);
      break;
    case 'nginx':
      await allOnceServing('nginx', [['the client API through nginx (HTTPS)', () => clientApiThroughNginx(d)]]);
      break;
    case 'certbot':
      await all([['the certbot sidecar runs', () => running(d, 'certbot')]]);
      break;
  }
  return { service, ok: checks.every((c) => c.ok), checks };
}

async function postgresAnswers(d: GateDeps): Promise<string> {
  const schema = await d.postgres.schemaVersions();
  if (schema === undefined) throw new Error('the database has no Synapse schema');
  return `schema ${schema.version} (compat ${schema.compat})`;
}

async function synapseAnswers(o: GateOptions, d: GateDeps): Promise<string> {
  await waitUntilSynapseAnswers({ timeoutS: o.timeoutS ?? 180 }, d);
  return 'on its loopback port';
}

async function synapseVersionIs(tag: string, d: GateDeps): Promise<string> {
  const reported = await d.synapse.serverVersion();
  // NOTE: tags may carry a prefix or suffix (`v1.160.1`, `1.160.1-debian`), the version string a
  // build note: the version numbers are what must match.
  const want = parseTagVersion(tag)?.parts.join('.');
  const got = /\d+(?:\.\d+)+/.exec(reported)?.[0];
  if (want === undefined ? !reported.includes(tag) : got !== want)
    throw new Error(`Synapse reports ${reported}, the target is ${tag}`);
  return reported;
}

async function adminRoundTrip(d: GateDeps): Promise<string> {
  const admin = await readAdminState(d.deployment.root);
  if (admin === undefined) return 'skipped: no admin token stored (`mxctl admin init`)';
  const as = d.synapse.withToken(admin.access_token);
  const me = await as.whoami();
  await as.call(
    'GET',
    '/_matrix/client/v3/sync?timeout=0&filter=%7B%22room%22%3A%7B%22timeline%22%3A%7B%22limit%22%3A1%7D%7D%7D',
  );
  await as.call('GET', '/_matrix/client/v1/media/config');
  return `${me.user_id}: whoami, /sync; ${await newestMediaDownloads(admin.access_token, d)}`;
}

/** The newest local upload downloads whole (its length as the database records it). */
async function newestMediaDownloads(token: string, d: GateDeps): Promise<string> {
  const row = (
    await d.postgres.psql(
      'SELECT media_id, media_length FROM local_media_repository WHERE quarantined_by IS NULL AND url_cache IS NULL ORDER BY created_ts DESC LIMIT 1;',
    )
  ).trim();
  if (row === '') return 'no media uploaded yet (the media config answered)';
  const [id = '', length = ''] = row.split('|');
  const s = d.deployment.settings;
  const url = `http://${s.SYNAPSE_LOCAL_ADDRESS}:${s.SYNAPSE_LOCAL_PORT}/_matrix/client/v1/media/download/${encodeURIComponent(s.MX_SERVER_NAME)}/${encodeURIComponent(id)}`;
  const res = await httpFetch(url, { headers: { Authorization: `Bearer ${token}` } }, { timeoutMs: 30_000 }).catch(
    (e: unknown) => {
      throw new Error(`downloading media ${id}: ${describeNetworkError(e)}`);
    },
  );
  if (res.status !== 200) throw new Error(`downloading media ${id}: HTTP ${res.status}`);
  if (res.body.length !== Number(length))
    throw new Error(`media ${id} downloaded ${res.body.length} bytes, the database says ${length}`);
  return `media ${id} downloaded (${length} bytes)`;
}

async function clientApiThroughNginx(d: GateDeps): Promise<string> {
  const r = await httpsThroughNginx(d);
  if (!r.ok) throw new Error(`${r.url}: ${r.detail}`);
  return r.detail;
}

async function running(d: GateDeps, service: string): Promise<string> {
  const st = (await d.compose.ps()).find((x) => x.service === service);
  if (st?.state !== 'running') throw new Error(`${service} is ${st?.state ?? 'not created'}`);
  return 'running';
}
