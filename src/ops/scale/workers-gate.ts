// The health gate of a worker-mode change, through the public names as a client would go:
// mxctl's admin creates a room, sends a message and reads it back from /sync, all through nginx
// (so through the preset's routing); when the preset has a sync worker, that worker's own
// metrics must show the /sync requests (served there, not by main). The room is left afterwards.
import { randomBytes } from 'node:crypto';
import { MxError } from '../../core/errors.ts';
import { parseExposition, sumOf } from '../../core/check/prometheus.ts';
import type { WorkerSpec } from '../../core/scale/workers-presets.ts';
import { SynapseClient } from '../../adapters/synapse.ts';
import { readAdminState } from '../admin/state.ts';
import type { Deps } from '../deps.ts';

export type GateDeps = Pick<Deps, 'deployment' | 'compose' | 'publicHttp' | 'clock'>;

export interface GateReport {
  /** From the send to the message in a /sync answer, through nginx. */
  messageSeconds: number;
  /** The worker whose metrics counted the /sync requests, when the preset has one. */
  syncServedBy: string | undefined;
  /** How many /sync requests that worker counted during the gate. */
  syncRequests: number;
}

const SYNC_SERVLET = 'SyncRestServlet';
const METRIC = 'synapse_http_server_requests_received_total';

/** /sync requests a worker has counted (its metrics listener, read inside its container). */
async function syncCount(d: GateDeps, w: WorkerSpec, host: string): Promise<number> {
  const r = await d.compose.exec(w.name, ['curl', '-fsS', `http://${host}:${w.ports.metrics}/_synapse/metrics`], {
    timeoutMs: 30_000,
  });
  return sumOf(parseExposition(r.stdout).samples, METRIC, { servlet: SYNC_SERVLET }) ?? 0;
}

interface SyncAnswer {
  next_batch: string;
  rooms?: { join?: Record<string, { timeline?: { events?: { event_id?: string }[] } }> };
}

async function waitForEvent(client: SynapseClient, roomId: string, eventId: string, d: GateDeps): Promise<void> {
  const deadline = d.clock.now().getTime() + 60_000;
  const filter = encodeURIComponent(JSON.stringify({ room: { rooms: [roomId], timeline: { limit: 20 } } }));
  let since = '';
  for (;;) {
    const q = `/_matrix/client/v3/sync?timeout=5000&filter=${filter}${since === '' ? '' : `&since=${encodeURIComponent(since)}`}`;
    const s = await client.call<SyncAnswer>('GET', q);
    const events = s.rooms?.join?.[roomId]?.timeline?.events ?? [];
    if (events.some((e) => e.event_id === eventId)) return;
    since = s.next_batch;
    if (d.clock.now().getTime() > deadline)
      throw new MxError('E_STACK_UNHEALTHY', 'A message sent through nginx did not arrive in /sync within 60 s.', {
        hint: "Read the workers' logs: `mxctl logs synapse` and `docker compose logs` of the worker services.",
      });
  }
}

export async function workersGate(
  o: { syncWorker: WorkerSpec | undefined; probeHost: string },
  d: GateDeps,
): Promise<GateReport> {
  const state = await readAdminState(d.deployment.root);
  if (state === undefined)
    throw new MxError('E_UNAUTHORIZED', 'mxctl has no admin token for this deployment yet.', {
      hint: "Run `mxctl admin init` first: the gate sends a message as mxctl's admin.",
    });
  const client = new SynapseClient({
    baseUrl: `https://${d.deployment.settings.MX_MATRIX_HOST}`,
    accessToken: state.access_token,
    ...d.publicHttp,
    // NOTE: a worker's first requests after its start are slow on a busy machine (cold caches;
    // createRoom goes to main over replication): a generous timeout, one try each.
    timeoutMs: 120_000,
  });
  const before = o.syncWorker === undefined ? 0 : await syncCount(d, o.syncWorker, o.probeHost);
  const room = await client.call<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', {
    preset: 'private_chat',
    name: 'mxctl scale workers: health gate',
  });
  const roomPath = `/_matrix/client/v3/rooms/${encodeURIComponent(room.room_id)}`;
  try {
    const started = d.clock.now().getTime();
    const body = `mxctl scale workers gate ${randomBytes(6).toString('hex')}`;
    const sent = await client.call<{ event_id: string }>(
      'PUT',
      `${roomPath}/send/m.room.message/mxctl-gate-${randomBytes(8).toString('hex')}`,
      { msgtype: 'm.notice', body },
    );
    await waitForEvent(client, room.room_id, sent.event_id, d);
    const messageSeconds = (d.clock.now().getTime() - started) / 1000;
    if (o.syncWorker === undefined) return { messageSeconds, syncServedBy: undefined, syncRequests: 0 };
    const served = (await syncCount(d, o.syncWorker, o.probeHost)) - before;
    if (served <= 0)
      throw new MxError('E_STACK_UNHEALTHY', `/sync through nginx was not served by ${o.syncWorker.name}.`, {
        hint: 'nginx may still route /sync to main: check nginx/templates/matrix.conf.template and restart nginx.',
      });
    return { messageSeconds, syncServedBy: o.syncWorker.name, syncRequests: served };
  } finally {
    await client.call('POST', `${roomPath}/leave`, {}).catch(() => undefined);
    await client.call('POST', `${roomPath}/forget`, {}).catch(() => undefined);
  }
}
