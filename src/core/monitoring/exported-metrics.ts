// The contract between the shipped alert rules and `mxctl monitor`: every `mxctl_*` series a
// rule reads, with its labels. The monitor must export exactly these on its /metrics (a unit test
// checks the rules name no other `mxctl_*` metric). Timestamps are Unix seconds, Prometheus' unit.

export interface ExportedMetric {
  name: string;
  type: 'gauge';
  labels: readonly string[];
  help: string;
}

/** Scrape job names the rules match on; the Prometheus scrape config must use them. */
export const SCRAPE_JOBS = {
  /** Synapse's main process; workers are `synapse-<worker name>`, so rules match `synapse.*`. */
  synapse: 'synapse',
  /** `mxctl monitor`'s own /metrics: every `mxctl_*` series below. */
  monitor: 'mxctl',
} as const;

export const EXPORTED_METRICS: readonly ExportedMetric[] = [
  {
    name: 'mxctl_disk_size_bytes',
    type: 'gauge',
    labels: ['disk', 'path'],
    help: 'Size of the filesystem holding `disk` (docker: the Docker data root; media: the media store; backups: the backup folder), at `path`.',
  },
  {
    name: 'mxctl_disk_avail_bytes',
    type: 'gauge',
    labels: ['disk', 'path'],
    help: 'Bytes available to unprivileged users on that filesystem (statfs bavail × bsize, what `df` shows as Avail).',
  },
  {
    name: 'mxctl_cert_not_before_seconds',
    type: 'gauge',
    labels: ['name'],
    help: 'notBefore of the certificate nginx serves for the public host `name`.',
  },
  {
    name: 'mxctl_cert_not_after_seconds',
    type: 'gauge',
    labels: ['name'],
    help: 'notAfter of the certificate nginx serves for the public host `name`.',
  },
  {
    name: 'mxctl_backup_last_success_timestamp_seconds',
    type: 'gauge',
    labels: [],
    help: 'When the newest complete backup finished; 0 when there is none, so "never" alerts too.',
  },
  {
    name: 'mxctl_backup_last_run_ok',
    type: 'gauge',
    labels: [],
    help: '1 when the latest backup run succeeded, 0 when it failed; 1 before the first run.',
  },
  {
    name: 'mxctl_restore_test_last_success_timestamp_seconds',
    type: 'gauge',
    labels: [],
    help: 'When the newest passing restore drill (`mxctl restore-test`) finished; 0 when there is none.',
  },
];
