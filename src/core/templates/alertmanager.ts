// monitoring/alertmanager/alertmanager.yml of a deployment with the Prometheus profile: the
// shipped rules' alerts routed to the same channels `mxctl monitor` uses. Every critical and
// warning alert goes to every configured channel (none is silently dropped because a channel
// is "for warnings"); they differ only in how often a still-firing alert is repeated. The
// Watchdog goes to the dead-man's switch alone, which notices when these pings stop.
// Secrets (URLs with tokens, the ntfy token, the SMTP password) are never in this file: each is
// read by Alertmanager from its own file under SECRETS_DIR (`*_file` settings).
import { stringify } from 'yaml';
import { MxError } from '../errors.ts';

/** Inside the Alertmanager container; the deployment mounts its secrets folder there read-only. */
export const SECRETS_DIR = '/etc/alertmanager/secrets';

export interface AlertmanagerChannels {
  /** A generic JSON webhook (Alertmanager's payload); its URL is read from secrets/webhook-url. */
  webhook?: boolean;
  /** ntfy: the topic's URL (`https://ntfy.example/alerts`); token auth from secrets/ntfy-token when `token`. */
  ntfy?: { topicUrl: string; token: boolean };
  /** SMTP with STARTTLS and auth; the password from secrets/smtp-password. */
  email?: { to: string; from: string; smarthost: string; username: string };
  /** A Matrix room through a relay that posts Alertmanager's webhook as m.notice; URL from secrets/matrix-relay-url. */
  matrix?: boolean;
  /** A healthchecks.io-style ping URL (secrets/deadmans-switch-url), hit with the Watchdog every 5 minutes. */
  deadMansSwitch?: boolean;
}

/** Repeat intervals of a still-firing alert. */
export const REPEAT = { critical: '4h', warning: '24h', watchdog: '5m' } as const;

type Receiver = { name: string } & Record<string, unknown>;

function receivers(c: AlertmanagerChannels): Receiver[] {
  const out: Receiver[] = [];
  if (c.webhook)
    out.push({ name: 'webhook', webhook_configs: [{ url_file: `${SECRETS_DIR}/webhook-url`, send_resolved: true }] });
  if (c.ntfy) {
    // NOTE: ntfy renders Alertmanager's payload itself with ?template=alertmanager.
    const url = new URL(c.ntfy.topicUrl);
    url.searchParams.set('template', 'alertmanager');
    const auth = c.ntfy.token
      ? { http_config: { authorization: { credentials_file: `${SECRETS_DIR}/ntfy-token` } } }
      : {};
    out.push({ name: 'ntfy', webhook_configs: [{ url: url.href, send_resolved: true, ...auth }] });
  }
  if (c.email) {
    const e = c.email;
    const email = { to: e.to, from: e.from, smarthost: e.smarthost, auth_username: e.username };
    out.push({
      name: 'email',
      email_configs: [
        { ...email, auth_password_file: `${SECRETS_DIR}/smtp-password`, require_tls: true, send_resolved: true },
      ],
    });
  }
  if (c.matrix)
    out.push({
      name: 'matrix',
      webhook_configs: [{ url_file: `${SECRETS_DIR}/matrix-relay-url`, send_resolved: true }],
    });
  return out;
}

export function renderAlertmanagerConfig(c: AlertmanagerChannels): string {
  const channels = receivers(c);
  const first = channels[0];
  if (first === undefined) {
    throw new MxError('E_CONFIG_INVALID', 'No alert channel is configured for Alertmanager.', {
      hint: 'Configure at least one of the webhook, ntfy, email or Matrix channels (the dead-man’s switch only hears the Watchdog).',
    });
  }
  const everyChannel = channels.map((r) => ({ receiver: r.name, continue: true }));
  const watchdog = c.deadMansSwitch ? 'deadmans-switch' : 'discard';
  const config = {
    route: {
      // Never reached by a real alert: the last route below catches whatever the others do not.
      receiver: first.name,
      group_by: ['alertname', 'job', 'disk', 'name'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: REPEAT.critical,
      routes: [
        {
          matchers: ['alertname="Watchdog"'],
          receiver: watchdog,
          group_wait: '0s',
          group_interval: '1m',
          repeat_interval: REPEAT.watchdog,
        },
        { matchers: ['severity="critical"'], repeat_interval: REPEAT.critical, routes: everyChannel },
        { matchers: ['severity="warning"'], repeat_interval: REPEAT.warning, routes: everyChannel },
        // An alert without a known severity still reaches someone.
        { routes: everyChannel },
      ],
    },
    inhibit_rules: [
      // While Synapse does not answer, its other alerts say nothing new.
      {
        source_matchers: ['alertname="SynapseDown"'],
        target_matchers: ['alertname=~"Synapse.+"', 'severity="warning"'],
        equal: ['job'],
      },
      {
        source_matchers: ['alertname="DiskFull"'],
        target_matchers: ['alertname="DiskAlmostFull"'],
        equal: ['disk', 'path'],
      },
      {
        source_matchers: ['alertname="CertificateExpiresVerySoon"'],
        target_matchers: ['alertname="CertificateExpiresSoon"'],
        equal: ['name'],
      },
    ],
    receivers: [
      ...channels,
      c.deadMansSwitch
        ? {
            name: 'deadmans-switch',
            webhook_configs: [{ url_file: `${SECRETS_DIR}/deadmans-switch-url`, send_resolved: false }],
          }
        : { name: 'discard' },
    ],
  };
  return `# Written by mxctl: the shipped alert rules' routes (RUNBOOK.md, Monitoring & Alerting).
# Secrets are read from ${SECRETS_DIR}/, never written here.
${stringify(config, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
