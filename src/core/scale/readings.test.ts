import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition } from '../check/prometheus.ts';
import { valuesBetween } from './readings.ts';

const scrape = (at: number, text: string) => ({ at, samples: parseExposition(text).samples });
const send = (le10: number, inf: number, fast = le10) => `
synapse_http_server_response_time_seconds_bucket{servlet="RoomSendEventRestServlet",code="200",method="PUT",le="0.5"} ${fast}
synapse_http_server_response_time_seconds_bucket{servlet="RoomSendEventRestServlet",code="200",method="PUT",le="10.0"} ${le10}
synapse_http_server_response_time_seconds_bucket{servlet="RoomSendEventRestServlet",code="200",method="PUT",le="+Inf"} ${inf}
synapse_http_server_response_time_seconds_count{servlet="RoomSendEventRestServlet",code="200",method="PUT"} ${inf}`;
const sync = (le10: number, inf: number) => `
synapse_http_server_response_time_seconds_bucket{servlet="SyncRestServlet",tag="sync_v2:initial_sync",code="200",method="GET",le="10.0"} ${le10}
synapse_http_server_response_time_seconds_bucket{servlet="SyncRestServlet",tag="sync_v2:initial_sync",code="200",method="GET",le="+Inf"} ${inf}`;

describe('signal values between two scrapes', () => {
  it('gauges from the later scrape, rates and quantiles from the counters between them', () => {
    const a = scrape(
      0,
      `process_resident_memory_bytes 1e9
container_cpu_usage_seconds_total{name="postgres"} 100
machine_cpu_cores 2
${send(10, 10)}
${sync(4, 4)}
mxctl_active_users{span="5m"} 3`,
    );
    const b = scrape(
      10_000,
      `process_resident_memory_bytes 2.5e9
container_cpu_usage_seconds_total{name="postgres"} 116
machine_cpu_cores 2
node_filesystem_size_bytes{mountpoint="/a"} 100
node_filesystem_avail_bytes{mountpoint="/a"} 10
node_filesystem_size_bytes{mountpoint="/b"} 100
node_filesystem_avail_bytes{mountpoint="/b"} 50
${send(20, 20, 10)}
${sync(7, 8)}
mxctl_active_users{span="5m"} 7`,
    );
    const v = valuesBetween(a, b);
    assert.equal(v.synapse_rss, 2.5e9);
    assert.equal(v.postgres_cpu, 0.8, '16 CPU seconds in 10 s over 2 cores');
    assert.equal(v.disk_used, 0.9, 'the fullest filesystem');
    assert.equal(v.active_users, 7);
    assert.ok(v.event_send_p99 !== undefined && v.event_send_p99 !== null && v.event_send_p99 > 0.5);
    assert.ok(Math.abs((v.slow_initial_syncs ?? 0) - 0.25) < 1e-9, '1 of 4 new initial syncs over 10 s');
    assert.equal(v.federation_lag, undefined, 'no federation sender in this process');
  });
  it('no new sends or syncs: null (nothing to measure); a restarted container: null', () => {
    const t = `container_cpu_usage_seconds_total{name="postgres"} 50\nmachine_cpu_cores 2\n${send(5, 5)}\n${sync(1, 1)}`;
    const v = valuesBetween(scrape(0, t.replace(' 50', ' 500')), scrape(5000, t));
    assert.equal(v.event_send_p99, null);
    assert.equal(v.slow_initial_syncs, null);
    assert.equal(v.postgres_cpu, null);
  });
  it('federation lag counts only while the sender is behind', () => {
    const at = (persisted: number, processed: number) =>
      scrape(
        0,
        `synapse_event_processing_lag{name="federation_sender"} 45000
synapse_event_persisted_position 1 ${''}
synapse_event_processing_positions{name="federation_sender"} 1`
          .replace('synapse_event_persisted_position 1 ', `synapse_event_persisted_position ${persisted}`)
          .replace('positions{name="federation_sender"} 1', `positions{name="federation_sender"} ${processed}`),
      );
    assert.equal(valuesBetween(at(10, 10), at(10, 10)).federation_lag, 0, 'a stale gauge on a caught-up sender');
    assert.equal(valuesBetween(at(10, 5), at(10, 5)).federation_lag, 45);
    const fresh = scrape(0, 'synapse_event_persisted_position 3');
    assert.equal(valuesBetween(fresh, fresh).federation_lag, null, 'a sender with no batch yet: nothing to measure');
  });
});
