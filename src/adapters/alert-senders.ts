// Sending an alert down one channel: HTTP (webhook, ntfy, the dead-man's ping), SMTP (nodemailer:
// STARTTLS required when asked, never opportunistic), and a Matrix room through Synapse's client
// API as mxctl's admin. Errors name the channel without its secret (a webhook's or topic's path).
import { randomBytes } from 'node:crypto';
import { MxError } from '../core/errors.ts';
import type { Alert } from '../core/alerts/alert.ts';
import { emailMessage, matrixNotice, ntfyMessage, webhookBody } from '../core/alerts/alert.ts';
import type { Channel } from '../core/alerts/channels.ts';
import { describeChannel, ntfyTarget } from '../core/alerts/channels.ts';
import { httpFetch } from './http.ts';
import type { SynapseClient } from './synapse.ts';

export interface AlertSenders {
  send(channel: Channel, alert: Alert): Promise<void>;
  /** GET of the dead-man's switch URL: resolves when it answered 2xx. */
  ping(url: string): Promise<void>;
}

export interface SenderOptions {
  /** Extra CAs (MXCTL_CA_FILE): a private CA for a self-hosted receiver. */
  ca?: string | undefined;
  /** Synapse as mxctl's admin, for the Matrix room; undefined: no admin token yet. */
  synapse?: SynapseClient | undefined;
  timeoutMs?: number;
}

export function alertSenders(o: SenderOptions): AlertSenders {
  const http = { ca: o.ca, timeoutMs: o.timeoutMs ?? 15_000 };
  const post = async (what: string, url: string, body: unknown, headers: Record<string, string> = {}) => {
    const r = await httpFetch(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) },
      http,
    ).catch((error: unknown) => {
      throw new MxError('E_ALERT_FAILED', `${what}: ${(error as Error).message.replaceAll(url, new URL(url).host)}`);
    });
    if (r.status < 200 || r.status > 299)
      throw new MxError('E_ALERT_FAILED', `${what} answered HTTP ${r.status}: ${r.text().slice(0, 200)}`);
  };
  return {
    async send(c, a) {
      const what = describeChannel(c);
      switch (c.kind) {
        case 'webhook':
          return post(what, c.url, webhookBody(a, c.format));
        case 'ntfy': {
          const t = ntfyTarget(c.url);
          return post(
            what,
            t.post,
            ntfyMessage(a, t.topic),
            c.token === '' ? {} : { authorization: `Bearer ${c.token}` },
          );
        }
        case 'email':
          return sendMail(what, c, a, o.ca);
        case 'matrix':
          return sendToRoom(what, c.room, a, o.synapse);
      }
    },
    async ping(url) {
      const host = new URL(url).host;
      const r = await httpFetch(url, {}, http).catch((error: unknown) => {
        throw new MxError(
          'E_ALERT_FAILED',
          `the ping URL (${host}): ${(error as Error).message.replaceAll(url, host)}`,
        );
      });
      if (r.status < 200 || r.status > 299)
        throw new MxError('E_ALERT_FAILED', `the ping URL (${host}) answered HTTP ${r.status}`);
    },
  };
}

async function sendMail(what: string, c: Extract<Channel, { kind: 'email' }>, a: Alert, ca: string | undefined) {
  const { createTransport } = await import('nodemailer');
  const s = c.smtp;
  const transport = createTransport({
    host: s.host,
    port: s.port,
    secure: s.security === 'tls',
    requireTLS: s.security === 'starttls',
    ignoreTLS: s.security === 'none',
    ...(s.user === '' ? {} : { auth: { user: s.user, pass: s.password } }),
    ...(ca === undefined ? {} : { tls: { ca: [ca] } }),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  const m = emailMessage(a);
  try {
    await transport.sendMail({ from: c.from, to: c.to, subject: m.subject, text: m.text });
  } catch (error) {
    const message = (error as Error).message;
    throw new MxError(
      'E_ALERT_FAILED',
      `${what}: ${s.password === '' ? message : message.replaceAll(s.password, 'REDACTED')}`,
    );
  } finally {
    transport.close();
  }
}

async function sendToRoom(what: string, room: string, a: Alert, synapse: SynapseClient | undefined) {
  if (synapse === undefined)
    throw new MxError('E_ALERT_FAILED', `${what}: mxctl has no admin token yet (run \`mxctl admin init\`).`);
  try {
    const id = room.startsWith('#')
      ? (
          await synapse.call<{ room_id: string }>(
            'GET',
            `/_matrix/client/v3/directory/room/${encodeURIComponent(room)}`,
          )
        ).room_id
      : room;
    const txn = `mxctl-${Date.now()}-${randomBytes(6).toString('hex')}`;
    await synapse.call(
      'PUT',
      `/_matrix/client/v3/rooms/${encodeURIComponent(id)}/send/m.room.message/${txn}`,
      matrixNotice(a),
    );
  } catch (error) {
    if (error instanceof MxError && error.code === 'E_ALERT_FAILED') throw error;
    throw new MxError('E_ALERT_FAILED', `${what}: ${(error as Error).message}`);
  }
}
