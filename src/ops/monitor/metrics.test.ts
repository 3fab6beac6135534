import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { monitorMetrics, OWN_METRICS } from './metrics.ts';
import { EXPORTED_METRICS } from '../../core/monitoring/exported-metrics.ts';

const names = (text: string) =>
  new Set(
    text
      .split('\n')
      .filter((l) => l.startsWith('mxctl_'))
      .map((l) => /^[a-z_]+/.exec(l)?.[0] ?? ''),
  );

describe('the monitor metrics', () => {
  it('exports every mxctl_* series of the rules contract, and only those besides its own', async () => {
    const m = monitorMetrics({ passes: 41 });
    m.update({
      at: new Date('2026-12-07T10:00:00Z'),
      passOk: true,
      queued: new Map([['webhook', 2]]),
      levels: [{ id: 'stack.synapse', level: 'critical' }],
      gauges: {
        disks: [{ disk: 'media', path: '/srv/media', sizeBytes: 100, availBytes: 40 }],
        certs: [{ name: 'matrix.example.org', notBefore: 1, notAfter: 2 }],
        backupLastSuccess: 0,
        backupLastRunOk: 1,
        restoreTestLastSuccess: 0,
      },
    });
    const text = await m.registry.metrics();
    const exported = names(text);
    const expected = new Set([...EXPORTED_METRICS.map((x) => x.name), ...Object.values(OWN_METRICS)]);
    assert.deepEqual([...exported].sort(), [...expected].sort());
    assert.match(text, /^mxctl_disk_avail_bytes\{disk="media",path="\/srv\/media"\} 40$/m);
    assert.match(text, /^mxctl_cert_not_after_seconds\{name="matrix.example.org"\} 2$/m);
    assert.match(text, /^mxctl_backup_last_success_timestamp_seconds 0$/m);
    assert.match(text, /^mxctl_monitor_passes_total 42$/m);
    assert.match(text, /^mxctl_monitor_alerts_queued\{channel="webhook"\} 2$/m);
    assert.match(text, /^mxctl_monitor_signal_level\{id="stack.synapse"\} 2$/m);
    assert.match(text, /^mxctl_monitor_last_pass_timestamp_seconds 1796637600$/m);
  });

  it('a disk that is gone does not linger with its last value', async () => {
    const m = monitorMetrics({ passes: 0 });
    const base = { at: new Date(), passOk: true, queued: new Map<string, number>(), levels: [] };
    m.update({ ...base, gauges: { disks: [{ disk: 'docker', path: '/a', sizeBytes: 1, availBytes: 1 }], certs: [] } });
    m.update({ ...base, gauges: { disks: [], certs: [] } });
    assert.doesNotMatch(await m.registry.metrics(), /^mxctl_disk_size_bytes\{/m);
  });
});
