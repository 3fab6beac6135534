// The shipped Prometheus alert rules: monitoring/prometheus/rules/*.rules.yml of a deployment
// with the Prometheus profile. Upstream Synapse ships no alert rules, so these are ours; each is
// pinned by a `promtool test rules` file in test/e2e/prometheus-rules/ (firing, not firing, its
// `for:` window, a short spike that must not fire).
// `init` does not write them yet (the Prometheus profile of issue #9 item 4 will, under
// monitoring/); the mxctl_* series they read are the contract in core/monitoring/exported-metrics.ts.
// NOTE: annotations stay plain (a summary with one number through printf or humanizePercentage):
// promtool compares the rendered text exactly, so fancier templates only make tests brittle.
import { SCRAPE_JOBS } from '../monitoring/exported-metrics.ts';

/** Thresholds the rules use; the runbook's Scaling Triggers table states the same numbers. */
export const ALERT_THRESHOLDS = {
  /** Synapse's total resident memory, GB: the seed's "> 2 GB sustained". */
  synapseRssGB: 2,
  /** Share of Synapse's responses that are 5xx. */
  synapse5xxRatio: 0.05,
  /** Below this many requests a second the 5xx ratio of a handful of requests says nothing. */
  synapseMinRequestRate: 0.05,
  /** Event-send p99, seconds (/sync latency is not used: its histogram is capped at 10 s). */
  eventSendP99Seconds: 5,
  /** federation_sender's lag behind event persistence, seconds: the seed's "> 30 s". */
  federationLagSeconds: 30,
  /** PDUs waiting in the federation sender's in-memory queues. */
  federationPendingPdus: 1000,
  /** Mean wait for a database connection from Synapse's pool, seconds. */
  dbPoolWaitSeconds: 0.5,
  /** Disk used share: warning (the seed's 80 %) and critical. */
  diskUsedWarning: 0.8,
  diskUsedCritical: 0.95,
  /** Certificates: share of the lifetime left (never a fixed day count, see core/certs/lifetime.ts). */
  certLeftShareWarning: 0.25,
  certLeftShareCritical: 0.1,
  certLeftDaysCritical: 3,
  /** Daily backups: a day and a couple of hours of slack before the newest is called old. */
  backupMaxAgeHours: 26,
  /** Monthly restore drills: a month and a few days. */
  restoreTestMaxAgeDays: 35,
} as const;

const t = ALERT_THRESHOLDS;
const synapse = `job=~"${SCRAPE_JOBS.synapse}.*"`;

const synapseRules = `# Synapse, from its own metrics listener (job "${SCRAPE_JOBS.synapse}", workers "${SCRAPE_JOBS.synapse}-<name>").
groups:
  - name: synapse
    rules:
      - record: synapse:http_5xx:ratio_rate5m
        expr: sum by (job) (rate(synapse_http_server_responses_total{${synapse},code=~"5.."}[5m])) / sum by (job) (rate(synapse_http_server_responses_total{${synapse}}[5m]))
      - record: synapse:http_requests:rate5m
        expr: sum by (job) (rate(synapse_http_server_responses_total{${synapse}}[5m]))
      - record: synapse:event_send_latency_seconds:p99_5m
        expr: histogram_quantile(0.99, sum by (job, le) (rate(synapse_http_server_response_time_seconds_bucket{${synapse},servlet="RoomSendEventRestServlet",code=~"2.."}[5m])))
      - record: synapse:federation_sender_position_lag:events
        expr: max by (job) (synapse_event_persisted_position{${synapse}}) - on (job) group_right () synapse_event_processing_positions{${synapse},name="federation_sender"}

      - alert: SynapseDown
        expr: up{${synapse}} == 0
        for: 2m
        labels: {severity: critical}
        annotations:
          summary: "Synapse ({{ $labels.job }}) is not answering its metrics scrape"
      # No target at all: the scrape config lost Synapse, so SynapseDown could never fire.
      - alert: SynapseMetricsAbsent
        expr: absent(up{job="${SCRAPE_JOBS.synapse}"})
        for: 5m
        labels: {severity: critical}
        annotations:
          summary: "Prometheus has no Synapse target"
      # NOTE: the request-rate guard keeps one failed request on an idle server from paging.
      - alert: SynapseHigh5xxRate
        expr: synapse:http_5xx:ratio_rate5m > ${t.synapse5xxRatio} and on (job) synapse:http_requests:rate5m > ${t.synapseMinRequestRate}
        for: 5m
        labels: {severity: critical}
        annotations:
          summary: "{{ $value | humanizePercentage }} of Synapse responses are 5xx"
      - alert: SynapseSlowEventSend
        expr: synapse:event_send_latency_seconds:p99_5m > ${t.eventSendP99Seconds}
        for: 10m
        labels: {severity: warning}
        annotations:
          summary: "Sending a message takes {{ printf \\"%.1f\\" $value }} s at p99"
      - alert: SynapseHighMemory
        expr: sum(process_resident_memory_bytes{${synapse}}) / 1e9 > ${t.synapseRssGB}
        for: 30m
        labels: {severity: warning}
        annotations:
          summary: "Synapse uses {{ printf \\"%.1f\\" $value }} GB of memory: tune caches, then consider workers"
      # The lag gauge is set per batch, so it stays high on a quiet server; a position lag > 0 proves work is really waiting.
      - alert: SynapseFederationLagging
        expr: max by (job) (synapse_event_processing_lag{${synapse},name="federation_sender"}) / 1000 > ${t.federationLagSeconds} and on (job) synapse:federation_sender_position_lag:events > 0
        for: 10m
        labels: {severity: warning}
        annotations:
          summary: "Federation sending is {{ printf \\"%.1f\\" $value }} s behind"
      - alert: SynapseFederationQueueBacklog
        expr: sum by (job) (synapse_federation_transaction_queue_pending_pdus{${synapse}}) > ${t.federationPendingPdus}
        for: 15m
        labels: {severity: warning}
        annotations:
          summary: "{{ $value }} PDUs are waiting to be sent to other servers"
      - alert: SynapseDatabaseConnectionWait
        expr: sum by (job) (rate(synapse_storage_schedule_time_sum{${synapse}}[5m])) / sum by (job) (rate(synapse_storage_schedule_time_count{${synapse}}[5m])) > ${t.dbPoolWaitSeconds}
        for: 10m
        labels: {severity: warning}
        annotations:
          summary: "Database queries wait {{ printf \\"%.2f\\" $value }} s for a pool connection: raise cp_max or add workers"
`;

const stackRules = `# The stack: every scrape target, and the disks mxctl monitor measures (mxctl_disk_*).
groups:
  - name: stack
    rules:
      # Synapse has its own SynapseDown; this covers the monitor, Prometheus and Alertmanager.
      - alert: TargetDown
        expr: up{job!~"${SCRAPE_JOBS.synapse}.*"} == 0
        for: 5m
        labels: {severity: warning}
        annotations:
          summary: "Scrape target {{ $labels.job }} ({{ $labels.instance }}) is down"
      # Without the monitor's target every mxctl_* alert below (disks, certificates, backups) is silent.
      - alert: MonitorMetricsAbsent
        expr: absent(up{job="${SCRAPE_JOBS.monitor}"})
        for: 10m
        labels: {severity: warning}
        annotations:
          summary: "Prometheus has no mxctl monitor target: disk, certificate and backup alerts cannot fire"
      - alert: DiskAlmostFull
        expr: 1 - mxctl_disk_avail_bytes / mxctl_disk_size_bytes > ${t.diskUsedWarning}
        for: 10m
        labels: {severity: warning}
        annotations:
          summary: "The {{ $labels.disk }} disk ({{ $labels.path }}) is {{ $value | humanizePercentage }} full"
      - alert: DiskFull
        expr: 1 - mxctl_disk_avail_bytes / mxctl_disk_size_bytes > ${t.diskUsedCritical}
        for: 5m
        labels: {severity: critical}
        annotations:
          summary: "The {{ $labels.disk }} disk ({{ $labels.path }}) is {{ $value | humanizePercentage }} full"
      # NOTE: a 6-hour trend and a 1-hour hold, so a backup's temporary files do not predict doom.
      - alert: DiskFillingUp
        expr: predict_linear(mxctl_disk_avail_bytes[6h], 86400) < 0 and mxctl_disk_avail_bytes > 0
        for: 1h
        labels: {severity: warning}
        annotations:
          summary: "The {{ $labels.disk }} disk ({{ $labels.path }}) fills up within a day at the current rate"
`;

const daysLeft = '(mxctl_cert_not_after_seconds - time()) / 86400';
const lifetimeDays = '(mxctl_cert_not_after_seconds - mxctl_cert_not_before_seconds) / 86400';
const certificateRules = `# Certificates nginx serves, judged against their own lifetime (mxctl_cert_*), like \`mxctl certs status\`.
groups:
  - name: certificates
    rules:
      - alert: CertificateExpiresSoon
        expr: ${daysLeft} < ${t.certLeftShareWarning} * ${lifetimeDays}
        for: 15m
        labels: {severity: warning}
        annotations:
          summary: "The certificate of {{ $labels.name }} has {{ printf \\"%.1f\\" $value }} days left and was not renewed"
      - alert: CertificateExpiresVerySoon
        expr: ${daysLeft} < ${t.certLeftShareCritical} * ${lifetimeDays} or ${daysLeft} < ${t.certLeftDaysCritical}
        for: 5m
        labels: {severity: critical}
        annotations:
          summary: "The certificate of {{ $labels.name }} has {{ printf \\"%.1f\\" $value }} days left"
`;

const backupRules = `# Backups and restore drills, from mxctl monitor (mxctl_backup_*, mxctl_restore_test_*).
groups:
  - name: backups
    rules:
      - alert: BackupFailed
        expr: mxctl_backup_last_run_ok == 0
        labels: {severity: warning}
        annotations:
          summary: "The latest backup run failed: see mxctl backup list"
      - alert: BackupTooOld
        expr: (time() - mxctl_backup_last_success_timestamp_seconds) / 3600 > ${t.backupMaxAgeHours}
        for: 10m
        labels: {severity: critical}
        annotations:
          summary: "The newest complete backup is {{ printf \\"%.0f\\" $value }} hours old"
      - alert: RestoreTestTooOld
        expr: (time() - mxctl_restore_test_last_success_timestamp_seconds) / 86400 > ${t.restoreTestMaxAgeDays}
        for: 1h
        labels: {severity: warning}
        annotations:
          summary: "The last passing restore drill is {{ printf \\"%.0f\\" $value }} days old: run mxctl restore-test"
`;

const watchdogRules = `# Always firing. Alertmanager sends it to the dead-man's switch only, so its ping URL hears
# from this Prometheus every few minutes; when the pings stop, the switch alerts out of band.
groups:
  - name: watchdog
    rules:
      - alert: Watchdog
        expr: vector(1)
        labels: {severity: none}
        annotations:
          summary: "The alerting pipeline works (this alert always fires)"
`;

/** File name (under monitoring/prometheus/rules/) → content. */
export function renderAlertRules(): Record<string, string> {
  return {
    'synapse.rules.yml': synapseRules,
    'stack.rules.yml': stackRules,
    'certificates.rules.yml': certificateRules,
    'backups.rules.yml': backupRules,
    'watchdog.rules.yml': watchdogRules,
  };
}
