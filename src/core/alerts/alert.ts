// An alert as every channel carries it, and how each channel words it. Pure.
// The webhook's JSON is a documented contract (docs/RUNBOOK.md, "Alert channels"): fields are
// added, never renamed, and `schema` names the version.

export type Severity = 'warning' | 'critical';

export interface Alert {
  /** The signal it is about ("synapse.health"): one alert per key, however long it fires. */
  key: string;
  status: 'firing' | 'resolved';
  severity: Severity;
  /** One line: what is wrong. */
  summary: string;
  /** What was seen (the evidence), a few lines at most. */
  detail: string;
  /** The Matrix server name it is about. */
  server: string;
  /** When the condition began (ISO 8601). */
  since: string;
  /** When this message was made (ISO 8601). */
  at: string;
  /** A test alert (`mxctl monitor test-alert`): nothing is wrong. */
  test: boolean;
}

export const WEBHOOK_SCHEMA = 'mxctl.alert/1';

/** "[FIRING critical] example.org: Synapse does not answer" — the first line everywhere. */
export function headline(a: Alert): string {
  const state = a.status === 'firing' ? `FIRING ${a.severity}` : 'RESOLVED';
  return `${a.test ? '[TEST] ' : ''}[${state}] ${a.server}: ${a.summary}`;
}

export function plainText(a: Alert): string {
  const lines = [headline(a), '', a.detail, '', `since ${a.since}`, `sent ${a.at} by mxctl`];
  if (a.test) lines.push('', 'This is a test alert (mxctl monitor test-alert): nothing is wrong.');
  return lines.join('\n');
}

export function webhookBody(a: Alert, format: 'json' | 'slack'): unknown {
  // Slack and Mattermost incoming webhooks both take {"text": ...}.
  if (format === 'slack') return { text: plainText(a) };
  return { schema: WEBHOOK_SCHEMA, ...a };
}

/**
 * ntfy's JSON publishing (POST to the server's root, the topic in the body): no header encoding
 * of non-ASCII titles. Priorities: 5 urgent, 4 high, 3 default.
 */
export function ntfyMessage(a: Alert, topic: string): Record<string, unknown> {
  const priority = a.status === 'resolved' || a.test ? 3 : a.severity === 'critical' ? 5 : 4;
  const tag = a.test
    ? 'test_tube'
    : a.status === 'resolved'
      ? 'white_check_mark'
      : a.severity === 'critical'
        ? 'rotating_light'
        : 'warning';
  return {
    topic,
    title: headline(a),
    message: `${a.detail}\n\nsince ${a.since}`,
    priority,
    tags: [tag, 'mxctl'],
  };
}

export function emailMessage(a: Alert): { subject: string; text: string } {
  return { subject: `[mxctl] ${headline(a)}`, text: `${plainText(a)}\n` };
}

/** An m.notice (bots' messages: clients do not notify on them unless asked to). */
export function matrixNotice(a: Alert): { msgtype: 'm.notice'; body: string } {
  return { msgtype: 'm.notice', body: plainText(a) };
}
