// Where the host reaches Synapse's metrics listener. It is never published nor proxied
// (homeserver.yaml binds it on the compose network only), so: the synapse container's own
// address on its Docker network (reachable from the Docker host, and only from there), or, with
// host networking (the lab), SYNAPSE_LOCAL_ADDRESS, where the lab's listener binds. Pure.
import { METRICS_PORT } from '../templates/homeserver.ts';

export interface MetricsPlace {
  running: boolean;
  hostNetwork: boolean;
  /** The container's addresses on its Docker networks. */
  addresses: readonly string[];
  /** homeserver.yaml's `listeners`, as parsed (undefined when it does not parse). */
  listeners: unknown;
  localAddress: string;
}

export function metricsTarget(p: MetricsPlace): { url: string } | { why: string } {
  if (!p.running) return { why: 'Synapse is not running' };
  const metrics = Array.isArray(p.listeners)
    ? (p.listeners as { type?: unknown; port?: unknown }[]).find((l) => l.type === 'metrics')
    : undefined;
  if (p.listeners !== undefined && metrics === undefined)
    return { why: 'homeserver.yaml has no `type: metrics` listener (mxctl init writes one on port 9000)' };
  const port = typeof metrics?.port === 'number' ? metrics.port : METRICS_PORT;
  const host = p.hostNetwork ? p.localAddress : p.addresses[0];
  if (host === undefined) return { why: 'the synapse container has no network address' };
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/_synapse/metrics` };
}
