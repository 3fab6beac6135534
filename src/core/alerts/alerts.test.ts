import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SECRET_KEYS, parseSettings } from '../settings.ts';
import { formatSettings } from '../settings.ts';
import { settingsFromChoices } from '../init-options.ts';
import { parseEnvFile } from '../env-file.ts';
import type { Settings } from '../settings.ts';
import { emailMessage, headline, matrixNotice, ntfyMessage, webhookBody, WEBHOOK_SCHEMA } from './alert.ts';
import type { Alert } from './alert.ts';
import { alertChannels, describeChannel, inBandOnly, ntfyTarget } from './channels.ts';

const base = settingsFromChoices(
  { domain: 'example.org' },
  Object.fromEntries(SECRET_KEYS.map((k) => [k, 'y'.repeat(43)])) as Record<(typeof SECRET_KEYS)[number], string>,
);
/** The settings as .env would hold them, through the one parser. */
function settings(over: Record<string, string>): { ok: true; s: Settings } | { ok: false; errors: string[] } {
  const values = new Map(parseEnvFile(formatSettings(base)).values);
  for (const [k, v] of Object.entries(over)) values.set(k, v);
  const r = parseSettings(values);
  return r.ok ? { ok: true, s: r.settings } : { ok: false, errors: r.errors };
}

const alert: Alert = {
  key: 'synapse.health',
  status: 'firing',
  severity: 'critical',
  summary: 'Synapse does not answer',
  detail: 'GET https://matrix.example.org/health: connection refused',
  server: 'example.org',
  since: '2026-12-04T21:00:00.000Z',
  at: '2026-12-04T21:02:00.000Z',
  test: false,
};

describe('alert channels from .env', () => {
  it('none by default; each one when set, several at once', () => {
    assert.deepEqual(alertChannels(base), []);
    const r = settings({
      ALERT_WEBHOOK_URL: 'https://hooks.example.net/T0/B0/secret',
      ALERT_NTFY_URL: 'https://ntfy.sh/secret-topic',
      ALERT_EMAIL_TO: 'a@example.org, b@example.org',
      ALERT_EMAIL_FROM: 'mxctl@example.org',
      ALERT_SMTP_HOST: 'smtp.example.org',
      ALERT_MATRIX_ROOM: '!ops:example.org',
    });
    assert.ok(r.ok);
    const c = alertChannels(r.s);
    assert.deepEqual(
      c.map((x) => x.kind),
      ['webhook', 'ntfy', 'email', 'matrix'],
    );
    const email = c.find((x) => x.kind === 'email');
    assert.deepEqual(email?.kind === 'email' ? email.to : [], ['a@example.org', 'b@example.org']);
    assert.equal(inBandOnly(c), false);
    assert.equal(inBandOnly(c.filter((x) => x.kind === 'matrix')), true);
  });

  it('a channel is named without its secret path', () => {
    const r = settings({
      ALERT_WEBHOOK_URL: 'https://hooks.example.net/T0/B0/secret',
      ALERT_NTFY_URL: 'https://ntfy.sh/t0p',
    });
    assert.ok(r.ok);
    const text = alertChannels(r.s).map(describeChannel).join(' ');
    assert.doesNotMatch(text, /secret|t0p/);
    assert.match(text, /hooks\.example\.net/);
  });

  it('refuses an incomplete email channel, a password in the clear, a bad room, a bad address', () => {
    const r = settings({
      ALERT_EMAIL_TO: 'ops@example.org, not-an-address',
      ALERT_SMTP_SECURITY: 'none',
      ALERT_SMTP_USER: 'u',
      ALERT_SMTP_PASSWORD: 'p',
      ALERT_MATRIX_ROOM: 'ops',
    });
    assert.equal(r.ok, false);
    const text = r.ok ? '' : r.errors.join('\n');
    for (const want of [/ALERT_SMTP_HOST/, /ALERT_EMAIL_FROM/, /in the clear/, /ALERT_MATRIX_ROOM/, /not-an-address/])
      assert.match(text, want);
  });
});

describe('how each channel words an alert', () => {
  it('webhook: the documented JSON, or Slack/Mattermost text', () => {
    assert.deepEqual(webhookBody(alert, 'json'), { schema: WEBHOOK_SCHEMA, ...alert });
    const slack = webhookBody(alert, 'slack') as { text: string };
    assert.match(slack.text, /^\[FIRING critical\] example\.org: Synapse does not answer\n/);
  });

  it('ntfy: a JSON publish with the topic, priority by severity, resolved and tests at default', () => {
    assert.deepEqual(ntfyTarget('https://ntfy.example.org/alerts'), {
      post: 'https://ntfy.example.org/',
      topic: 'alerts',
    });
    assert.deepEqual(ntfyTarget('http://127.0.0.5:8080/sub/path/topic?x=1'), {
      post: 'http://127.0.0.5:8080/sub/path/',
      topic: 'topic',
    });
    assert.equal(ntfyMessage(alert, 't')['priority'], 5);
    assert.equal(ntfyMessage({ ...alert, severity: 'warning' }, 't')['priority'], 4);
    assert.equal(ntfyMessage({ ...alert, status: 'resolved' }, 't')['priority'], 3);
    assert.equal(ntfyMessage(alert, 't')['topic'], 't');
  });

  it('email and Matrix: the headline first, the evidence, and a test says so', () => {
    assert.equal(emailMessage(alert).subject, '[mxctl] [FIRING critical] example.org: Synapse does not answer');
    const t = matrixNotice({ ...alert, test: true });
    assert.equal(t.msgtype, 'm.notice');
    assert.match(t.body, /^\[TEST\] /);
    assert.match(t.body, /nothing is wrong/);
    assert.equal(headline({ ...alert, status: 'resolved' }), '[RESOLVED] example.org: Synapse does not answer');
  });
});
