// How long users could not reach Synapse during an upgrade: a loop polls the client API's
// `/_matrix/client/versions` on Synapse's own address while a service is recreated, and sums the
// time from the first failed probe of each outage to the next answered one. The upgrade report
// and bench/upgrade-downtime.ts both read this figure.
import { sleep } from '../../adapters/clock.ts';
import type { Deps } from '../deps.ts';

export interface DowntimeWatch {
  /** Stops polling; the seconds the client API did not answer while watched. */
  stop(): Promise<{ unavailableSeconds: number; probes: number }>;
}

export function watchClientApi(d: Pick<Deps, 'synapse' | 'clock'>, intervalMs = 200): DowntimeWatch {
  let stopped = false;
  let probes = 0;
  let unavailableMs = 0;
  let downSince: number | undefined;
  const loop = (async () => {
    while (!stopped) {
      const at = d.clock.now().getTime();
      const ok = await d.synapse.call('GET', '/_matrix/client/versions').then(
        () => true,
        () => false,
      );
      probes++;
      if (!ok && downSince === undefined) downSince = at;
      if (ok && downSince !== undefined) {
        unavailableMs += at - downSince;
        downSince = undefined;
      }
      await sleep(intervalMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      // NOTE: still down when the watch ends (a failed gate): counted up to now.
      if (downSince !== undefined) unavailableMs += d.clock.now().getTime() - downSince;
      return { unavailableSeconds: Math.round(unavailableMs / 100) / 10, probes };
    },
  };
}
