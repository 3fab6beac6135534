// A small HTTP(S) client: TLS always verified (with optional extra CAs), an optional fixed
// address for the public names (split DNS, the lab), timeouts, and JSON helpers.
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { MxError } from '../core/errors.ts';
import { onStop, stoppedError, throwIfStopped } from './interrupt.ts';
import { trustWith } from './trust.ts';

export interface HttpOptions {
  /** Extra trusted CA certificates (PEM), added to Node's defaults. */
  ca?: string | undefined;
  /** Connect to this address whatever the URL's host resolves to (like curl --resolve). */
  resolve?: string | undefined;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text(): string;
  /** Parses JSON; a server answering garbage is an E_SYNAPSE_API error naming the URL. */
  json(): unknown;
}

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export async function httpFetch(url: string, req: HttpRequest = {}, o: HttpOptions = {}): Promise<HttpResponse> {
  try {
    return await fetchOnce(url, req, o);
  } catch (error) {
    // WHY once more: a kept-alive connection the server closed meanwhile (nginx on a reload, or
    // after its keep-alive timeout) fails at the first write with ECONNRESET, before the request
    // reached the server (Node's documented case: `request.reusedSocket`). A new connection is the
    // fix; any other failure is the answer.
    if ((error as { reusedSocket?: boolean; code?: string }).reusedSocket !== true) throw error;
    return fetchOnce(url, req, o);
  }
}

async function fetchOnce(url: string, req: HttpRequest, o: HttpOptions): Promise<HttpResponse> {
  const u = new URL(url);
  const isHttps = u.protocol === 'https:';
  const fixed = o.resolve;
  const lookup: LookupFunction | undefined =
    fixed === undefined || fixed === ''
      ? undefined
      : (_host, options, callback) => {
          const family = isIP(fixed);
          if (typeof options === 'object' && options.all === true) {
            (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
              { address: fixed, family },
            ]);
          } else {
            callback(null, fixed, family);
          }
        };
  const fn = isHttps ? httpsRequest : httpRequest;
  throwIfStopped();
  let forget: () => void = () => undefined;
  return new Promise<HttpResponse>((resolve, reject) => {
    const r = fn(
      u,
      {
        method: req.method ?? 'GET',
        headers: req.headers,
        timeout: o.timeoutMs ?? 15_000,
        ...(lookup === undefined ? {} : { lookup }),
        // NOTE: `ca` beside the context it is already in: the agent keys its pooled sockets by
        // `ca` (not by the context), so a connection made under other trust is never reused here.
        ...(isHttps && o.ca !== undefined ? { secureContext: trustWith(o.ca), ca: o.ca } : {}),
        servername: u.hostname,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: () => body.toString('utf8'),
            json: () => {
              try {
                return JSON.parse(body.toString('utf8')) as unknown;
              } catch {
                throw new MxError(
                  'E_SYNAPSE_API',
                  `${u.origin}${u.pathname} answered HTTP ${res.statusCode} with something that is not JSON.`,
                  {
                    detail: body.toString('utf8').slice(0, 300),
                  },
                );
              }
            },
          });
        });
      },
    );
    r.on('timeout', () =>
      r.destroy(
        new MxError(
          'E_TIMEOUT',
          `${u.origin}${u.pathname} did not answer within ${Math.round((o.timeoutMs ?? 15_000) / 1000)} s.`,
        ),
      ),
    );
    r.on('error', (error: NodeJS.ErrnoException) =>
      reject(r.reusedSocket && error.code === 'ECONNRESET' ? Object.assign(error, { reusedSocket: true }) : error),
    );
    forget = onStop((signal) => r.destroy(stoppedError(signal)));
    if (req.body !== undefined) r.write(req.body);
    r.end();
  }).finally(() => forget());
}

/** A transport failure's words: "connection refused", "certificate not trusted"... */
export function describeNetworkError(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { code?: string };
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the name does not resolve';
    case 'ECONNRESET':
      return 'connection reset';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'the certificate is not trusted (self-signed placeholder, or an unknown CA)';
    case 'CERT_HAS_EXPIRED':
      return 'the certificate has expired';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'the certificate does not cover this name';
    default:
      return e.message ?? String(error);
  }
}
