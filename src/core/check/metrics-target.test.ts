import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricsTarget } from './metrics-target.ts';

const place = {
  running: true,
  hostNetwork: false,
  addresses: ['172.18.0.4'],
  listeners: [
    { port: 8008, type: 'http' },
    { port: 9000, type: 'metrics' },
  ],
  localAddress: '127.0.0.1',
};

test('metrics target: the container address on its compose network (production), the local address with host networking (the lab)', () => {
  assert.deepEqual(metricsTarget(place), { url: 'http://172.18.0.4:9000/_synapse/metrics' });
  assert.deepEqual(metricsTarget({ ...place, hostNetwork: true, addresses: [], localAddress: '127.0.0.5' }), {
    url: 'http://127.0.0.5:9000/_synapse/metrics',
  });
  assert.deepEqual(metricsTarget({ ...place, listeners: [{ type: 'metrics', port: 9100 }] }), {
    url: 'http://172.18.0.4:9100/_synapse/metrics',
  });
});

test('metrics target: why there is none', () => {
  assert.match((metricsTarget({ ...place, running: false }) as { why: string }).why, /not running/);
  assert.match(
    (metricsTarget({ ...place, listeners: [{ type: 'http', port: 8008 }] }) as { why: string }).why,
    /no `type: metrics` listener/,
  );
  assert.match((metricsTarget({ ...place, addresses: [] }) as { why: string }).why, /no network address/);
});
