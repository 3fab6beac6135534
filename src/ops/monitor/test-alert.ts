// `mxctl monitor test-alert`: one test alert down every configured channel (or the one named),
// each retried as the monitor would, and one ping of the dead-man's switch; what arrived and
// what did not, per channel. Proves a channel end to end before it is needed.
import { MxError } from '../../core/errors.ts';
import type { Alert } from '../../core/alerts/alert.ts';
import { alertChannels, describeChannel, inBandOnly } from '../../core/alerts/channels.ts';
import type { ChannelKind } from '../../core/alerts/channels.ts';
import type { Deps } from '../deps.ts';
import { deliver, TEST_ALERT_RETRY } from './deliver.ts';
import type { Delivery, RetryPolicy } from './deliver.ts';

export interface TestAlertOptions {
  /** Only this kind of channel. */
  only?: ChannelKind | undefined;
  retry?: RetryPolicy;
}

export interface TestAlertReport {
  alert: Alert;
  channels: ({ kind: ChannelKind; channel: string } & Delivery)[];
  /** The dead-man's switch, when ALERT_PING_URL is set (and no single channel was asked for). */
  ping?: { ok: boolean; error?: string };
  /** Only the Matrix room is configured: this server's own outage would go unreported. */
  inBandOnly: boolean;
  ok: boolean;
}

export async function testAlert(
  o: TestAlertOptions,
  d: Pick<Deps, 'deployment' | 'alerts' | 'clock'>,
): Promise<TestAlertReport> {
  const s = d.deployment.settings;
  const all = alertChannels(s);
  const chosen = o.only === undefined ? all : all.filter((c) => c.kind === o.only);
  if (chosen.length === 0)
    throw new MxError(
      'E_USAGE',
      o.only === undefined
        ? 'No alert channel is configured.'
        : `No ${o.only} channel is configured (configured: ${all.map((c) => c.kind).join(', ') || 'none'}).`,
      {
        hint: 'Set one in .env (ALERT_WEBHOOK_URL, ALERT_NTFY_URL, ALERT_EMAIL_TO, ALERT_MATRIX_ROOM): docs/RUNBOOK.md, Alert channels.',
      },
    );
  const now = d.clock.now().toISOString();
  const alert: Alert = {
    key: 'mxctl.test-alert',
    status: 'firing',
    severity: 'warning',
    summary: 'test alert from mxctl',
    detail: `Sent by \`mxctl monitor test-alert\` to ${chosen.length} channel(s) of ${s.MX_SERVER_NAME}.`,
    server: s.MX_SERVER_NAME,
    since: now,
    at: now,
    test: true,
  };
  const policy = o.retry ?? TEST_ALERT_RETRY;
  // NOTE: one at a time: a report in the order of .env, and no channel's retries hold up another's start.
  const channels: TestAlertReport['channels'] = [];
  for (const c of chosen)
    channels.push({ kind: c.kind, channel: describeChannel(c), ...(await deliver(c, alert, policy, d)) });
  let ping: TestAlertReport['ping'];
  if (o.only === undefined && s.ALERT_PING_URL !== '') {
    ping = await d.alerts.ping(s.ALERT_PING_URL).then(
      () => ({ ok: true }),
      (error: unknown) => ({ ok: false, error: (error as Error).message }),
    );
  }
  return {
    alert,
    channels,
    ...(ping === undefined ? {} : { ping }),
    inBandOnly: inBandOnly(all),
    ok: channels.every((c) => c.ok) && (ping?.ok ?? true),
  };
}
