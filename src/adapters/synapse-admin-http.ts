// What the admin API's reads and writes share: naming the object behind a 404, saying "managed by
// MAS" for the endpoints Matrix Authentication Service disables, waiting out rate limits, polling
// a background task to its end. Callers branch on SynapseApiError's fields, never on its message.
import { MxError, isSynapseApiError } from '../core/errors.ts';
import { sleep } from './clock.ts';
import type { PollOptions, TaskStatus } from './synapse-admin.ts';
import type { SynapseClient } from './synapse.ts';

export const enc = encodeURIComponent;

/** Retries a call Synapse rate-limited (M_LIMIT_EXCEEDED), backing off up to about a minute in all. */
export async function patient<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isSynapseApiError(error) || error.errcode !== 'M_LIMIT_EXCEEDED' || attempt >= 8) throw error;
      await sleep(Math.min(10_000, 500 * 2 ** attempt));
    }
  }
}

/** Synapse answers 404 for an unknown object; we say which object. */
export async function found<T>(what: string, call: () => Promise<T>, hint?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isSynapseApiError(error, 404) && error.errcode !== 'M_UNRECOGNIZED') {
      throw new MxError('E_NOT_FOUND', `${what} does not exist on this server.`, hint === undefined ? {} : { hint });
    }
    throw error;
  }
}

export async function isMasEnabled(client: SynapseClient): Promise<boolean> {
  // NOTE: Synapse serves the OAuth 2.0 auth metadata (MSC2965) only when MAS (msc3861) is on.
  for (const path of [
    '/_matrix/client/v1/auth_metadata',
    '/_matrix/client/unstable/org.matrix.msc2965/auth_metadata',
  ]) {
    try {
      const r = await client.call<{ issuer?: unknown }>('GET', path);
      if (typeof r.issuer === 'string') return true;
    } catch (error) {
      if (!isSynapseApiError(error)) throw error;
    }
  }
  return false;
}

/**
 * Under Matrix Authentication Service, Synapse does not register some admin endpoints (they
 * answer 404 M_UNRECOGNIZED). Say so rather than "unrecognized request".
 */
export async function masGuarded<T>(client: SynapseClient, feature: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (
      isSynapseApiError(error) &&
      (error.errcode === 'M_UNRECOGNIZED' || error.status === 404) &&
      (await isMasEnabled(client))
    ) {
      throw new MxError(
        'E_MAS_ENABLED',
        `${feature} is managed by Matrix Authentication Service on this server; Synapse disables its own API for it.`,
        {
          hint: 'Use MAS for this (mas-cli, or its admin API).',
        },
      );
    }
    throw error;
  }
}

/** Polls a background task (a purge, a room deletion) until it completes, fails or times out. */
export async function pollTask(what: string, get: () => Promise<TaskStatus>, o: PollOptions): Promise<TaskStatus> {
  // NOTE: a deadline on the machine's clock, as any timeout: not an operation's "now".
  const deadline = Date.now() + (o.timeoutMs ?? 30 * 60_000);
  let last = '';
  for (;;) {
    const s = await get();
    if (s.status !== last) o.onStatus?.(s.status);
    last = s.status;
    if (s.status === 'complete' || s.status === 'failed') return s;
    if (Date.now() > deadline) {
      throw new MxError(
        'E_TIMEOUT',
        `Synapse's ${what} is still "${s.status}" after ${Math.round((o.timeoutMs ?? 0) / 1000)} s.`,
        {
          hint: 'It keeps running on the server; check again later.',
        },
      );
    }
    await sleep(o.intervalMs ?? 500);
  }
}

/** A query string with a page's cursor and size, and the filters that are set. */
export function pageQuery(
  from: string | undefined,
  limit: number,
  extra: Record<string, string | undefined> = {},
): string {
  const p = new URLSearchParams({ limit: String(limit) });
  if (from !== undefined) p.set('from', from);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) p.set(k, v);
  return p.toString();
}

/** Synapse gives next_token as a string or a number; absent (or null) on the last page. */
export function nextToken(t: string | number | null | undefined): string | undefined {
  return t === undefined || t === null ? undefined : String(t);
}
