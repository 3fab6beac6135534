// The runbook's sections for keeping a server alive over months: monitoring and alerting, the
// scaling triggers, certificates (rendered into docs/RUNBOOK.md by runbook.ts).
import type { Settings } from '../settings.ts';
import { ALERT_THRESHOLDS } from './alert-rules.ts';

export function upkeepSections(s: Settings): string {
  const d = s.MX_SERVER_NAME;
  const m = s.MX_MATRIX_HOST;
  const c = s.MX_ELEMENT_HOST;
  return `## Monitoring & Alerting

### One-shot check (cron)
\`mxctl check\` runs every monitored signal once and exits **0** (all ok), **1** (a warning) or
**2** (critical); \`--json\` gives each signal's id, level, value, threshold and evidence. It
replaces the seed's curl lines and disk script:
- \`https://${m}/health\` and Element at \`https://${c}\` over HTTPS, each certificate judged by its
  own lifetime (warn under 1/4 left, critical under 1/10 or 3 days), the services;
- disk use of Docker's data root and of the media store (warn 80 %, critical 90 %), and when each
  is full at the current rate (from the samples earlier checks kept; "not enough samples yet"
  at first);
- the last backup (age, whether the last \`mxctl backup\` run failed, its offsite upload), the
  last restore drill, Synapse's database background updates;
- Synapse's metrics: memory (RSS), message-send p99, the share of 5xx responses, events queued
  for other servers, database connection wait; and ERROR lines in its log since the last check.

Run it from cron; cron mails what a job prints, so print only when something is not ok:
\`*/5 * * * *  root  out=$(mxctl --dir /srv/matrix check) || echo "$out"\`

It remembers its last run in \`state/check.json\` (when it ran, a day of disk samples, Synapse's
counters), so rates are "since the last check". Synapse's metrics listener is on port 9000
inside the compose network (never published nor proxied); \`mxctl check\` reaches it from the
host. \`mxctl status --json\` remains a narrower health check: exit 0 only when every service is
healthy and \`https://${m}/_matrix/client/versions\` answers through nginx.

### The monitor (\`mxctl monitor run\`)
The long-running form of \`mxctl check\`: a pass of every check each \`MONITOR_INTERVAL\` seconds
(60), its history in \`state/monitor.db\` (SQLite, 0600: each signal's value and level once a
minute, 30 days), and alerts on the channels below:
- a signal alerts only once it has been wrong for its window (2 minutes; disk 10 minutes;
  backups and certificates at once), **once**; again when it turns critical, or after 4 h
  (critical) / 24 h (warning) still firing; one **resolved** once it has been ok for its window
  too (a problem that comes and goes stays one alert);
- an alert is queued for every channel in the same transaction that decided it, and each channel
  is marked when it took it: a receiver that is down gets its queue, in order, when it is back
  (retried with back-off, at most every 5 minutes). \`mxctl check\` shows alerts still owed as
  \`monitor.delivery\` (warn after 5 minutes, critical after an hour);
- \`ALERT_PING_URL\` is pinged every \`ALERT_PING_MINUTES\` while passes run;
- \`MONITOR_BACKUP_AT=03:00\` runs \`mxctl backup\` then \`mxctl backup prune\` daily at that host
  time; \`MONITOR_RESTORE_TEST=monthly\` the drill (above). A failed job is the signal
  \`monitor.job.backup\` / \`monitor.job.restore_test\`, and so an alert. Keep either these or the
  cron lines, not both;
- \`/metrics\` (the \`mxctl_*\` series the rules below read, and the monitor's own) and
  the status page (\`/\`, its model as \`/status.json\`) on \`MONITOR_ADDRESS:MONITOR_PORT\`
  (127.0.0.1:9109): \`ssh -L 9109:127.0.0.1:9109\` and open http://127.0.0.1:9109/ to see it.

Run it under systemd (\`ExecStart=/usr/local/bin/mxctl --dir /srv/matrix monitor run\`,
\`Restart=always\`; the README has the unit). It needs the Docker socket (the checks read the
services and the jobs run \`docker compose\`), so it runs as root or in the \`docker\` group.
SIGTERM ends it with exit 0; a \`kill -9\` loses at most the pass in flight, and the next start
neither forgets nor repeats an alert still firing. Its log: one line a pass, each alert and
each delivery failure (\`journalctl -u mxctl-monitor\`).

### The monitor as a compose service
The compose file has a \`monitor\` service that runs only with \`COMPOSE_PROFILES=monitor\` in
\`.env\` (with \`MONITOR_DEPLOYMENT_DIR\`, this folder's absolute path); its image is built here from
the installed mxctl: \`docker build -t element-matrix/mxctl:local -f "$(npm root -g)/element-matrix/container/Dockerfile" "$(npm root -g)/element-matrix"\`
(again after each upgrade of mxctl). It runs as uid 10001 with two capabilities (DAC_OVERRIDE and
FOWNER, to read this folder's 0600 files), this folder read-only but \`state/\`, host networking, and
**the Docker socket, which is root on this machine** (the stack's signals and backups need
it; the README says why and gives a systemd unit instead). It runs the daemon,
\`mxctl monitor run\`, above; the backup folder is read-only to it, so keep the backup's cron line
(or the systemd unit, for \`MONITOR_BACKUP_AT\`) with the container.

### Shipped alert rules (Prometheus)

mxctl ships Prometheus alert rules, for a Prometheus that scrapes this stack, in five files:
\`synapse.rules.yml\`, \`stack.rules.yml\`, \`certificates.rules.yml\`, \`backups.rules.yml\`,
\`watchdog.rules.yml\`. \`mxctl init\` does not write them into the deployment yet; from an mxctl
checkout, \`node scripts/render-alert-rules.ts monitoring/prometheus/rules\` writes them.

| File | Alerts (severity) |
|------|-------------------|
| synapse | SynapseDown, SynapseMetricsAbsent, SynapseHigh5xxRate (> 5 % for 5 m) (critical); SynapseSlowEventSend (send p99 > 5 s), SynapseHighMemory (> ${ALERT_THRESHOLDS.synapseRssGB} GB for 30 m), SynapseFederationLagging (> 30 s), SynapseFederationQueueBacklog, SynapseDatabaseConnectionWait (warning) |
| stack | TargetDown, MonitorMetricsAbsent, DiskAlmostFull (> 80 %), DiskFillingUp (full within a day) (warning); DiskFull (> 95 %) (critical) |
| certificates | CertificateExpiresSoon (under 1/4 of its lifetime left) (warning); CertificateExpiresVerySoon (under 1/10 or 3 days) (critical) |
| backups | BackupFailed, RestoreTestTooOld (> ${ALERT_THRESHOLDS.restoreTestMaxAgeDays} days) (warning); BackupTooOld (> ${ALERT_THRESHOLDS.backupMaxAgeHours} h) (critical) |
| watchdog | Watchdog (none): always fires; route it to a dead-man's switch, which alerts when it stops |

They expect the scrape job \`synapse\` (workers \`synapse-NAME\`) on Synapse's metrics port and
\`mxctl\` for the monitor. Disks, certificates and backups come from the \`mxctl_*\` metrics
\`mxctl monitor run\` exports on its \`/metrics\` (scrape \`MONITOR_ADDRESS:MONITOR_PORT\`). The
Alertmanager config mxctl renders sends every critical and warning alert to every configured
channel (repeated every 4 h and 24 h) and the Watchdog to the dead-man's switch alone; the
Prometheus profile that writes it (\`monitoring/alertmanager/alertmanager.yml\`) is not built yet.

Check the rules yourself with Debian's promtool (\`apt install promtool\`):
\`\`\`bash
promtool check rules monitoring/prometheus/rules/*.rules.yml
\`\`\`
Every alert has a \`promtool test rules\` file in the mxctl repository
(\`test/e2e/prometheus-rules/ALERT.yml\`: firing, not firing, its \`for:\` window, a short spike
that must not fire); CI runs them with promtool 3.5. After changing a threshold, see which cases
moved: copy that folder beside your \`rules/\` folder (the tests read \`../rules/*.rules.yml\`)
and run \`promtool test rules *.yml\` in the copy.

### Alert channels
Set in \`.env\` (several at once; each empty = off), then prove them end to end:
\`mxctl monitor test-alert [--channel webhook|ntfy|email|matrix] [--json]\` sends a test alert down
each (three tries, 0.5 s and 2 s apart, as alerts are retried), pings the dead-man's switch, and
exits 23 naming every channel it did not reach and why. Secrets (\`ALERT_WEBHOOK_URL\`,
\`ALERT_NTFY_TOKEN\`, \`ALERT_SMTP_PASSWORD\`, \`ALERT_PING_URL\`) stay in \`.env\` (0600): channels
are named by host only in every message.
- **Webhook** \`ALERT_WEBHOOK_URL\`: a POST of JSON. \`ALERT_WEBHOOK_FORMAT=json\` (the default)
  sends \`{"schema": "mxctl.alert/1", "key", "status": "firing"|"resolved", "severity":
  "warning"|"critical", "summary", "detail", "server", "since", "at", "test"}\` (fields are added,
  never renamed); \`slack\` sends \`{"text": ...}\` for Slack and Mattermost incoming webhooks.
- **ntfy** \`ALERT_NTFY_URL\` (a topic URL, on ntfy.sh or your own server) and \`ALERT_NTFY_TOKEN\`
  (\`tk_...\`) for a protected topic: priority 5 for critical, 4 for warning, 3 for resolved.
- **Email** \`ALERT_EMAIL_TO\` (comma-separated), \`ALERT_EMAIL_FROM\`, \`ALERT_SMTP_HOST\`,
  \`ALERT_SMTP_PORT\`, \`ALERT_SMTP_SECURITY\` (\`starttls\`: required, never opportunistic;
  \`tls\`; \`none\` only without a password), \`ALERT_SMTP_USER\`/\`ALERT_SMTP_PASSWORD\`.
  A private CA for the SMTP server goes in \`MXCTL_CA_FILE\`.
- **Matrix room** \`ALERT_MATRIX_ROOM\` (\`!id:${d}\` or \`#alias:${d}\`), posted as mxctl's admin
  (\`m.notice\`); the admin must be in the room. **In-band**: when this server is down it cannot
  carry the alert, so keep at least one channel that does not depend on it.
- **Dead-man's switch** \`ALERT_PING_URL\` (healthchecks.io style), GET every
  \`ALERT_PING_MINUTES\` by the monitor while its passes run: its silence is the alert.

---

## Scaling Triggers

\`mxctl scale check\` watches the six triggers. Each signal has its value, its threshold, how long
it has been over, and a verdict; it **fires** only when it held for the whole window (30 minutes by
default), so a short spike does not. A fired trigger ends in its action and the exact change.
How long comes from Prometheus when \`PROMETHEUS_URL\` answers, else from the monitor's history
(\`state/monitor.db\`: Synapse's memory, the disks, the send p99), else from a minute of sampling now.

| Signal (\`scale check\` id) | Threshold | Measured as | Action when it fires |
|--------|-----------|-------------|--------|
| Synapse RAM (\`synapse_rss\`) | > 2 GiB sustained | \`process_resident_memory_bytes\`, every Synapse process | \`mxctl tune apply\` (its diff is shown); still high after: workers |
| Postgres CPU (\`postgres_cpu\`) | > 70 % sustained | the postgres container's CPU (cgroup), a share of the host's cores | \`mxctl tune apply\` (\`shared_buffers\`, \`work_mem\`, …) |
| Disk usage (\`disk_used\`) | > 80 % sustained | the fullest of the media store's and Docker's (database) filesystems | media vs remote media cache vs database; \`mxctl media purge-remote\`, \`media_retention\` (diff shown), the media store onto a bigger volume |
| Federation lag (\`federation_lag\`) | > 30 s sustained | \`synapse_event_processing_lag\` of the federation sender, while it is behind | \`mxctl scale workers --preset federation\` |
| Concurrent users (\`active_users\`) | > 500 sustained | distinct users in Synapse's \`user_ips\` seen in the last 5 minutes | \`mxctl scale workers --preset users\` |
| Sync/send time (\`event_send_p99\`, \`slow_initial_syncs\`) | p99 > 5 s; > 20 % of initial syncs over 10 s | Synapse's response-time histograms | \`mxctl scale workers --preset users\` |

The seed's "sync > 5 s p95" cannot be read as written: Synapse's response-time histogram stops at
10 s and an incremental \`/sync\` long-polls for about 30 s, so a \`/sync\` quantile sits at the cap
whatever the load. The message-send p99 and the share of slow *initial* syncs are what carry the
information.

\`\`\`bash
mxctl scale check                      # the triggers; exit 0 nothing fired, 1 a trigger fired (its action printed)
mxctl scale check --window 1h --json   # a longer window; the report for scripts
mxctl scale check --threshold active_users=200   # another threshold than the runbook's for one signal
\`\`\`
**Where "how long" comes from.** With \`PROMETHEUS_URL\` in \`.env\` (a Prometheus scraping Synapse),
the whole window is read from it (\`query_range\`); PostgreSQL CPU and the disks are read from it
when it also scrapes cAdvisor and node_exporter, else sampled. Without it, \`scale check\` samples
now: six scrapes (five readings) over the window or one minute, whichever is shorter; a signal over in every
reading of a shorter history than the window is reported "over?" (not proven sustained), never
fired. The monitor's own history is not a source yet.

**One process → workers → Kubernetes.**
1. One process, tuned (\`mxctl tune apply\`), until a trigger fires after tuning.
2. Workers on this machine (\`mxctl scale workers --preset federation|users\`, with Redis) when
   federation lag, users or send/sync time fire, and the machine still has cores and memory to
   spare: a worker is another Synapse process on the same host.
3. Kubernetes (Element's ess-helm chart) when one machine is not enough, or you need more than one:
   \`mxctl scale export kubernetes --out DIR\` writes the chart's \`values.yaml\` (secrets as
   references to Kubernetes Secrets, never inlined) and \`MIGRATION.md\`: the Secrets created from
   this deployment's files, the database dump restored into the cluster's PostgreSQL, the media
   copied to its volume, the DNS cut-over, and the way back, command by command.

### Tuning to the host (Synapse RAM, Postgres CPU)
\`\`\`bash
mxctl tune apply --dry-run        # the diff and the settings, sized to this host; nothing changes
mxctl tune apply --yes            # apply, restart what needs it, health-gate (a failed gate takes it back)
mxctl tune apply --memory 32G --cores 8 --dry-run   # sized for a machine to move to
mxctl tune revert --yes           # homeserver.yaml byte for byte as before, each setting as it was
\`\`\`
\`tune apply\` sets \`caches.global_factor\` in \`synapse/homeserver.yaml\` (0.5 per 2 GiB of memory,
from 0.5 to 4.0; edited as text, the rest of the file untouched), \`caches.per_cache_factors\` for
the caches Synapse's metrics show full, evicting for room and missing more than 20 % of lookups
(twice the global factor; a \`per_cache_factors\` of your own is kept as it is), and PostgreSQL's
\`shared_buffers\`, \`effective_cache_size\`, \`maintenance_work_mem\`, \`work_mem\`, \`wal_buffers\`
and \`max_wal_size\` with pgtune's rules for a web workload, PostgreSQL planning with a quarter of
the memory (the stack shares the machine). They go through \`ALTER SYSTEM\`
(\`postgresql.auto.conf\` in the database volume): a backup is a dump and does not carry them, so
run \`tune apply\` again after a restore onto a new machine. What it replaces is written to
\`state/tune.json\` before anything changes; \`tune revert\` refuses when homeserver.yaml was edited
since. Synapse restarts (its cache factor is read at start), and PostgreSQL too when
\`shared_buffers\` or \`wal_buffers\` change.

### Worker mode (federation lag, many users)
When tuning is not enough and one Synapse process is the limit, split work off to workers on
this machine:
\`\`\`bash
mxctl scale workers --preset federation --dry-run   # federation sender + inbound federation reader
mxctl scale workers --preset users --dry-run        # sync worker + client reader
mxctl scale workers --preset users --yes            # write, recreate, gate (a failed gate takes it back)
mxctl scale workers --workers 0 --yes               # back to one process, files as before
\`\`\`
It adds Redis, one config per worker in \`synapse/workers/\`, the replication listener, secret,
\`redis\` and \`instance_map\` to \`synapse/homeserver.yaml\`, the worker services in
\`compose/docker-compose.workers.yml\` (loaded through \`COMPOSE_FILE\` in \`.env\`) and nginx
routing of the preset's endpoints per Synapse's workers documentation; each addition is marked
(\`# BEGIN mxctl scale workers\`), and \`--workers 0\` removes exactly it. The gate: a message sent
through nginx arrives in \`/sync\`, and with the \`users\` preset the sync worker's own metrics
count those requests. Synapse restarts once each way (a minute or so of downtime).
**Check it:** \`docker compose ps\` in \`compose/\` lists \`redis\` and each worker healthy.

---

## Certificate Management

One certificate (certbot lineage \`element-matrix\`) covers \`${d}\`, \`${m}\` and \`${c}\`,
from \`${s.ACME_SERVER}\` (HTTP-01 challenge, webroot: nginx serves \`/.well-known/acme-challenge/\`
on port 80).

**How renewal works.** The \`certbot\` service asks certbot every 12 hours whether a renewal is
due: certbot renews at 2/3 of the lifetime (half of it for certificates under 10 days), or when
the CA's renewal information (ARI) says so. After each renewal its deploy hook
(\`certs/renewal-hooks/deploy/mxctl-reload-nginx.sh\`) leaves a stamp in \`certs/mxctl/\`;
nginx's watcher (\`nginx/reload-on-renewal.sh\`) sees it within seconds and reloads nginx
gracefully — open connections are served to the end, nothing restarts. certbot's own log of
every run is in \`certbot/logs/\`.

**Check:**
\`\`\`bash
mxctl certs status           # per name: served vs newest on disk, time left, next renewal, last attempt
mxctl certs status --json    # the same for scripts; exit 1 when a name is served an old, wrong or expiring certificate
\`\`\`
Thresholds are relative to each certificate's lifetime (public CAs move to 45–64-day
certificates): **warn** under 1/4 of the lifetime left, or when a due renewal has not happened;
**critical** under 1/10 left or under 3 days. \`mxctl doctor\` applies the same rules.
\`certs status\` also shows the CA's renewal window (ARI, asked from the certbot service with
certbot's own ACME library); a window that ended without a renewal is a **warn**, with the CA's
explanation link when it gives one (a CA asks for early renewal before it revokes).

**Renew:**
\`\`\`bash
mxctl certs renew --dry-run  # certbot's dry run against the CA, deploy hook included; nothing replaced
mxctl certs renew            # renews if due; reloads nginx if it still serves an old certificate
mxctl certs renew --force    # renew now; proves every name serves the new serial
\`\`\`
After \`mxctl init\` is re-run with a new host name, \`mxctl certs renew\` gets a certificate for the
new set of names and restarts nginx (its server blocks are rendered when it starts, so a reload
alone would not know the new name; open connections are cut once).

**When renewal fails** (exit 16) nothing changes: the current certificate keeps being served.
The message quotes the CA:
- *the ACME server could not be reached*: check \`ACME_SERVER\` in \`.env\`, DNS and outbound HTTPS.
- *rate limited*: wait for the limit to reset (the message says when); do not retry in a loop.
- *the CA could not validate the challenge* (names the challenge and the name): the name must
  resolve to this server and port 80 must answer from the internet.
- *the ACME account was refused*: check \`ACME_SERVER\`/\`ACME_EMAIL\`; removing \`certs/accounts/\`
  makes certbot register a new account.

**HSTS and TLS.** Every public name sends \`Strict-Transport-Security: max-age=63072000\` once a
certificate from the CA is served (never with the self-signed placeholder of a first start);
protocols and ciphers are Mozilla's "intermediate" profile (TLS 1.2 and 1.3).
`;
}
