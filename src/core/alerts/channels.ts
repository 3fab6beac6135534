// Which alert channels a deployment has, read from its settings. Pure.
// The Matrix room is in-band: when this server is down it cannot carry the alert saying so,
// so it is never enough on its own (`inBandOnly`).
import type { Settings } from '../settings.ts';
import { listOf } from '../settings.ts';

export type Channel =
  | { kind: 'webhook'; url: string; format: 'json' | 'slack' }
  | { kind: 'ntfy'; url: string; token: string }
  | {
      kind: 'email';
      to: string[];
      from: string;
      smtp: { host: string; port: number; security: 'starttls' | 'tls' | 'none'; user: string; password: string };
    }
  | { kind: 'matrix'; room: string };

export type ChannelKind = Channel['kind'];
export const CHANNEL_KINDS: readonly ChannelKind[] = ['webhook', 'ntfy', 'email', 'matrix'];

export function alertChannels(s: Settings): Channel[] {
  const out: Channel[] = [];
  if (s.ALERT_WEBHOOK_URL !== '')
    out.push({ kind: 'webhook', url: s.ALERT_WEBHOOK_URL, format: s.ALERT_WEBHOOK_FORMAT });
  if (s.ALERT_NTFY_URL !== '') out.push({ kind: 'ntfy', url: s.ALERT_NTFY_URL, token: s.ALERT_NTFY_TOKEN });
  if (s.ALERT_EMAIL_TO !== '')
    out.push({
      kind: 'email',
      to: listOf(s.ALERT_EMAIL_TO),
      from: s.ALERT_EMAIL_FROM,
      smtp: {
        host: s.ALERT_SMTP_HOST,
        port: s.ALERT_SMTP_PORT,
        security: s.ALERT_SMTP_SECURITY,
        user: s.ALERT_SMTP_USER,
        password: s.ALERT_SMTP_PASSWORD,
      },
    });
  if (s.ALERT_MATRIX_ROOM !== '') out.push({ kind: 'matrix', room: s.ALERT_MATRIX_ROOM });
  return out;
}

/** Only the Matrix room: an outage of this server would go unreported. */
export function inBandOnly(channels: readonly Channel[]): boolean {
  return channels.length > 0 && channels.every((c) => c.kind === 'matrix');
}

/**
 * A channel named for messages without its secrets: a webhook's or ntfy topic's path is a
 * credential (whoever knows it can post), so only the host is shown.
 */
export function describeChannel(c: Channel): string {
  switch (c.kind) {
    case 'webhook':
      return `webhook (${new URL(c.url).host}, ${c.format})`;
    case 'ntfy':
      return `ntfy (${new URL(c.url).host})`;
    case 'email':
      return `email to ${c.to.join(', ')} via ${c.smtp.host}:${c.smtp.port} (${c.smtp.security})`;
    case 'matrix':
      return `Matrix room ${c.room} (in-band)`;
  }
}

/** ntfy's topic URL → where to POST and the topic (`https://ntfy.sh/abc` → `https://ntfy.sh/`, `abc`). */
export function ntfyTarget(url: string): { post: string; topic: string } {
  const u = new URL(url);
  const parts = u.pathname.split('/').filter((p) => p !== '');
  const topic = parts.pop() ?? '';
  u.pathname = `/${parts.join('/')}${parts.length > 0 ? '/' : ''}`;
  u.search = '';
  return { post: u.toString(), topic };
}
