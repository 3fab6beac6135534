import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketDelta, bucketsOf, histogramQuantile, parseExposition, select, sumOf } from './prometheus.ts';

// A trimmed scrape of Synapse 1.160 (the lab's), with the format's corner cases added.
const SCRAPE = `# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1.47664896e+08
process_start_time_seconds 1.79641843936e+09
synapse_http_server_responses_total{code="200",method="GET",server_name="lab2.test"} 5.0
synapse_http_server_responses_total{code="502",method="PUT",server_name="lab2.test"} 2.0
synapse_http_server_response_time_seconds_bucket{code="200",le="0.5",method="PUT",server_name="lab2.test",servlet="RoomSendEventRestServlet",tag=""} 8.0
synapse_http_server_response_time_seconds_bucket{code="200",le="1.0",method="PUT",server_name="lab2.test",servlet="RoomSendEventRestServlet",tag=""} 9.0
synapse_http_server_response_time_seconds_bucket{code="200",le="+Inf",method="PUT",server_name="lab2.test",servlet="RoomSendEventRestServlet",tag=""} 10.0
synapse_http_server_response_time_seconds_bucket{code="200",le="0.5",method="GET",server_name="lab2.test",servlet="HealthResource",tag=""} 4.0
escaped{path="a\\"b\\\\c\\nd",empty=""} 1 1700000000000
weird_value NaN
not a metric line
`;

test('exposition: samples with labels, exponents, escapes, timestamps, NaN; bad lines reported, not fatal', () => {
  const { samples, bad } = parseExposition(SCRAPE);
  assert.deepEqual(bad, ['not a metric line']);
  assert.equal(sumOf(samples, 'process_resident_memory_bytes'), 147_664_896);
  assert.deepEqual(select(samples, 'escaped')[0]?.labels, { path: 'a"b\\c\nd', empty: '' });
  assert.ok(Number.isNaN(select(samples, 'weird_value')[0]?.value));
  assert.equal(sumOf(samples, 'synapse_http_server_responses_total', { code: /5../ }), 2);
  assert.equal(sumOf(samples, 'synapse_http_server_responses_total'), 7);
  assert.equal(sumOf(samples, 'absent_metric'), undefined);
});

test('histogram buckets: summed per le over the matching series, +Inf last', () => {
  const { samples } = parseExposition(SCRAPE);
  const b = bucketsOf(samples, 'synapse_http_server_response_time_seconds', { servlet: 'RoomSendEventRestServlet' });
  assert.deepEqual(b, [
    { le: 0.5, count: 8 },
    { le: 1, count: 9 },
    { le: Infinity, count: 10 },
  ]);
});

test('histogram_quantile: interpolates inside the bucket; +Inf gives the top bound as a floor', () => {
  const b = [
    { le: 0.5, count: 8 },
    { le: 1, count: 9 },
    { le: Infinity, count: 10 },
  ];
  // rank 0.5 * 10 = 5 falls in the first bucket: 0 + 0.5 * 5/8
  assert.deepEqual(histogramQuantile(0.5, b), { value: 0.3125, count: 10, aboveTop: false });
  // rank 9.9 falls in +Inf
  assert.deepEqual(histogramQuantile(0.99, b), { value: 1, count: 10, aboveTop: true });
  assert.equal(histogramQuantile(0.99, [{ le: Infinity, count: 0 }]), undefined);
  assert.equal(histogramQuantile(0.99, []), undefined);
});

test('bucket deltas: counts since a previous scrape; a counter that went down (restart) gives none', () => {
  const now = [
    { le: 1, count: 5 },
    { le: Infinity, count: 7 },
  ];
  assert.deepEqual(
    bucketDelta(now, [
      { le: 1, count: 2 },
      { le: Infinity, count: 3 },
    ]),
    [
      { le: 1, count: 3 },
      { le: Infinity, count: 4 },
    ],
  );
  assert.equal(bucketDelta(now, [{ le: 1, count: 9 }]), undefined);
});
