// Stack lifecycle over docker compose: up (with pre-flight checks and TLS bootstrap), down,
// restart, logs, status.
import { MxError } from '../core/errors.ts';
import type { ComposeServiceState } from '../adapters/compose.ts';
import { isPortFree, portHolder } from '../adapters/ports.ts';
import { probeCertificate } from '../adapters/tls-probe.ts';
import type { CertificateProbe } from '../adapters/tls-probe.ts';
import { httpFetch, describeNetworkError } from '../adapters/http.ts';
import { SERVICES } from '../core/templates/compose.ts';
import { assertKnownService, composeServices } from './services.ts';
import type { Deps } from './deps.ts';
import { certificateState, obtainCertificate, writePlaceholder } from './certs/bootstrap.ts';
import type { CertificateState } from './certs/bootstrap.ts';
import { parse as parseYaml } from 'yaml';
import { sleep } from '../adapters/clock.ts';

export interface PortNeed {
  service: string;
  host: string;
  port: number;
}

interface ComposeConfig {
  services?: Record<
    string,
    {
      network_mode?: string;
      environment?: Record<string, string | null>;
      ports?: { published?: string | number; host_ip?: string }[];
    }
  >;
}

/** The host ports each service will bind, read from the merged compose config. */
export function portsNeeded(configYaml: string): PortNeed[] {
  const cfg = parseYaml(configYaml) as ComposeConfig;
  const services = Object.entries(cfg.services ?? {});
  // Host networking (the lab): every service binds its own ports on the address nginx binds.
  const hostAddress = cfg.services?.['nginx']?.environment?.['NGINX_BIND_ADDRESS'] ?? '127.0.0.1';
  const needs: PortNeed[] = [];
  for (const [service, def] of services) {
    if (def.network_mode === 'host') {
      const env = def.environment ?? {};
      const own: Record<string, number[]> = {
        postgres: [5432],
        synapse: [8008, 9000],
        element: [Number(env['ELEMENT_WEB_PORT'] ?? 80)],
        nginx: [80, 443],
      };
      for (const port of own[service] ?? []) needs.push({ service, host: hostAddress ?? '127.0.0.1', port });
    } else {
      for (const p of def.ports ?? []) {
        if (p.published === undefined) continue;
        needs.push({ service, host: p.host_ip ?? '0.0.0.0', port: Number(p.published) });
      }
    }
  }
  return needs;
}

/** Ports the stack needs that something else holds, as readable lines ("host:port (needed by x) is held by y"). */
export async function portConflicts(d: Pick<Deps, 'compose'>, running: ReadonlySet<string>): Promise<string[]> {
  const needs = portsNeeded(await d.compose.config()).filter((n) => !running.has(n.service));
  const busy: string[] = [];
  for (const n of needs) {
    if (!(await isPortFree(n.host, n.port))) {
      const who = await portHolder(n.port, n.host);
      busy.push(`${n.host}:${n.port} (needed by ${n.service})${who === undefined ? '' : ` is held by ${who}`}`);
    }
  }
  return busy;
}

export async function assertPortsFree(d: Pick<Deps, 'compose'>, running: ReadonlySet<string>): Promise<void> {
  const busy = await portConflicts(d, running);
  if (busy.length > 0) {
    throw new MxError('E_PORT_IN_USE', `Port(s) already in use: ${busy.join('; ')}.`, {
      hint: 'Stop whatever holds them (or move it elsewhere), then run `mxctl up` again. Nothing was started.',
    });
  }
}

export interface UpReport {
  services: ComposeServiceState[];
  certificate: CertificateState;
}

export interface UpOptions {
  /** How long to wait for every service to be healthy. */
  timeoutS?: number;
}

export async function up(o: UpOptions, d: Pick<Deps, 'deployment' | 'compose' | 'progress'>): Promise<UpReport> {
  const say = d.progress.step;
  const running = new Set((await d.compose.ps()).filter((s) => s.state === 'running').map((s) => s.service));
  await assertPortsFree(d, running);
  let cert = await certificateState(d.deployment.root);
  if (cert === 'missing') {
    say('writing a self-signed placeholder certificate so nginx can start');
    await writePlaceholder(d);
    cert = 'placeholder';
  }
  say('starting services and waiting until each one is healthy');
  await startHealthy(o, d);
  if (cert === 'placeholder') {
    say('obtaining the TLS certificate with certbot');
    await obtainCertificate(d);
    cert = 'issued';
  }
  return { services: await d.compose.ps(), certificate: cert };
}

async function startHealthy(o: UpOptions, d: Pick<Deps, 'compose'>): Promise<void> {
  try {
    await d.compose.up([], { wait: true, timeoutS: o.timeoutS ?? 300 });
  } catch (error) {
    const states = await d.compose.ps().catch(() => []);
    const bad = states.filter((s) => s.state !== 'running' || s.health === 'unhealthy');
    throw new MxError(
      'E_STACK_UNHEALTHY',
      `The stack did not become healthy${bad.length > 0 ? `: ${bad.map((s) => `${s.service} is ${s.health || s.state}`).join(', ')}` : ''}.`,
      {
        hint: `Read the failing service's log with \`mxctl logs ${bad[0]?.service ?? 'SERVICE'}\`.`,
        cause: error,
      },
    );
  }
}

/**
 * Starts whatever is not running and returns as soon as Synapse answers on its own address.
 * NOTE: not `compose up --wait`: Docker runs the first healthcheck one `interval` (15 s) after
 * the start, so waiting for "healthy" costs up to 15 s after Synapse is ready. A Synapse that
 * exits meanwhile (a crash loop) fails at once, naming its log.
 */
export async function startStackUntilSynapseAnswers(
  o: { timeoutS?: number },
  d: Pick<Deps, 'compose' | 'synapse' | 'clock'>,
): Promise<void> {
  // NOTE: `compose up` of nginx waits for synapse's healthcheck (depends_on: service_healthy)
  // even without --wait; when everything else runs, only synapse is started.
  const others = (await d.compose.ps()).filter((x) => x.service !== 'synapse');
  const allRunning = SERVICES.every(
    (name) => name === 'synapse' || others.some((x) => x.service === name && x.state === 'running'),
  );
  await d.compose.up(allRunning ? ['synapse'] : [], { wait: false });
  await waitUntilSynapseAnswers(o, d);
}

/** Returns when Synapse answers on its own address; fails at once when its container stops. */
export async function waitUntilSynapseAnswers(
  o: { timeoutS?: number },
  d: Pick<Deps, 'compose' | 'synapse' | 'clock'>,
): Promise<void> {
  const deadline = d.clock.now().getTime() + (o.timeoutS ?? 300) * 1000;
  let psAt = 0;
  for (;;) {
    try {
      await d.synapse.serverVersion();
      return;
    } catch (error) {
      // WHY every 2 s, not at each probe: `docker compose ps` costs a fair share of a core, taken
      // from the Synapse that is starting (bench/upgrade-downtime.ts on 2 busy cores: median
      // downtime +1.2 s over the manual sequence with a ps per probe, +0.4 s with one per 2 s).
      const now = d.clock.now().getTime();
      const st =
        now - psAt < 2000 ? undefined : (await d.compose.ps().catch(() => [])).find((x) => x.service === 'synapse');
      if (now - psAt >= 2000) psAt = now;
      const down = st !== undefined && (st.state === 'exited' || st.state === 'dead' || st.state === 'restarting');
      if (down || d.clock.now().getTime() > deadline) {
        throw new MxError(
          'E_STACK_UNHEALTHY',
          `Synapse did not come up${down ? ` (it is ${st.state})` : ` within ${o.timeoutS ?? 300} s`}.`,
          {
            hint: 'Read its log with `mxctl logs synapse`.',
            cause: error,
          },
        );
      }
    }
    await sleep(300);
  }
}

export async function down(_o: object, d: Pick<Deps, 'compose'>): Promise<void> {
  await d.compose.down();
}

export async function restart(o: { service?: string | undefined }, d: Pick<Deps, 'compose'>): Promise<void> {
  const service = o.service;
  await assertKnownService(d.compose, service);
  await d.compose.restart(service === undefined ? [] : [service]);
  // Wait for health again, as `up` does: a restart that leaves a service unhealthy is a failure.
  await d.compose.up(service === undefined ? [] : [service], { wait: true, timeoutS: 300 });
}

export async function logs(
  o: { service?: string | undefined; follow: boolean; tail?: number | undefined },
  d: Pick<Deps, 'compose'>,
): Promise<void> {
  await assertKnownService(d.compose, o.service);
  await d.compose.logs({
    services: o.service === undefined ? [] : [o.service],
    follow: o.follow,
    ...(o.tail === undefined ? {} : { tail: o.tail }),
  });
}

export interface ServiceStatus {
  service: string;
  state: string;
  health: string;
  ok: boolean;
}

export interface StatusReport {
  deployment: string;
  serverName: string;
  services: ServiceStatus[];
  synapseVersion: string | null;
  synapseError?: string;
  https: { url: string; ok: boolean; detail: string };
  certificate: CertificateProbe & { state: CertificateState };
  healthy: boolean;
}

/**
 * Running and not unhealthy. WHY `starting` passes: Docker's first health check runs one interval
 * (15 s for Synapse, 30 s for Element) after a start, so right after a restore or an upgrade a
 * working service is `starting`; doctor warns on it, status shows it. Whether Synapse and nginx
 * really answer is judged by status's own probes beside this, and a service that never passes
 * its check turns `unhealthy` when its start period ends.
 */
export function isServiceOk(st: Pick<ComposeServiceState, 'state' | 'health'>): boolean {
  return st.state === 'running' && st.health !== 'unhealthy';
}

export type StatusDeps = Pick<Deps, 'deployment' | 'compose' | 'synapse' | 'publicHttp'>;

export async function status(_o: object, d: StatusDeps): Promise<StatusReport> {
  const s = d.deployment.settings;
  const states = await d.compose.ps();
  const defined = await composeServices(d.compose);
  const order = [...SERVICES, ...defined.filter((d) => !(SERVICES as readonly string[]).includes(d))];
  const services: ServiceStatus[] = order
    .filter((name) => defined.includes(name))
    .map((name) => {
      const st = states.find((x) => x.service === name);
      if (st === undefined) return { service: name, state: 'not created', health: '', ok: false };
      return { service: name, state: st.state, health: st.health, ok: isServiceOk(st) };
    });

  const { synapseVersion, synapseError } = await synapseVersionOf(d);
  const https = await httpsThroughNginx(d);
  const probe = await probeCertificate(s.MX_MATRIX_HOST, {
    address: d.publicHttp.resolve,
    ca: d.publicHttp.ca,
    timeoutMs: 5_000,
  });
  const certificate = { ...probe, state: await certificateState(d.deployment.root) };
  const healthy = services.every((x) => x.ok) && synapseVersion !== null && https.ok;
  return {
    deployment: d.deployment.root,
    serverName: s.MX_SERVER_NAME,
    services,
    synapseVersion,
    ...(synapseError === undefined ? {} : { synapseError }),
    https,
    certificate,
    healthy,
  };
}

async function synapseVersionOf(
  d: Pick<Deps, 'synapse'>,
): Promise<{ synapseVersion: string | null; synapseError?: string }> {
  try {
    return { synapseVersion: await d.synapse.serverVersion() };
  } catch (error) {
    return { synapseVersion: null, synapseError: (error as Error).message };
  }
}

/** The client API through nginx, as a user's client reaches it. */
export async function httpsThroughNginx(d: Pick<Deps, 'deployment' | 'publicHttp'>): Promise<StatusReport['https']> {
  const url = `https://${d.deployment.settings.MX_MATRIX_HOST}/_matrix/client/versions`;
  try {
    const res = await httpFetch(url, {}, { ...d.publicHttp, timeoutMs: 10_000 });
    const body = res.status === 200 ? (res.json() as { versions?: unknown }) : {};
    const ok = res.status === 200 && Array.isArray(body.versions);
    return {
      url,
      ok,
      detail: ok ? `HTTP 200, ${(body.versions as unknown[]).length} client API versions` : `HTTP ${res.status}`,
    };
  } catch (error) {
    return { url, ok: false, detail: describeNetworkError(error) };
  }
}
