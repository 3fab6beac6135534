// Synapse's admin and client APIs. mxctl talks to Synapse on its loopback port (never through
// the public nginx, which refuses /_synapse/admin). The access token is sent only in the
// Authorization header and never appears in an error.
import { createHmac } from 'node:crypto';
import { httpFetch, describeNetworkError } from './http.ts';
import type { HttpOptions } from './http.ts';
import { MxError, SynapseApiError, isMxError } from '../core/errors.ts';

export interface MatrixErrorBody {
  errcode?: string;
  error?: string;
}

export interface SynapseClientOptions extends HttpOptions {
  baseUrl: string;
  accessToken?: string | undefined;
}

export interface LoginResult {
  access_token: string;
  user_id: string;
  device_id: string;
}

export class SynapseClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly http: HttpOptions;

  constructor(o: SynapseClientOptions) {
    this.baseUrl = o.baseUrl.replace(/\/$/, '');
    this.token = o.accessToken;
    this.http = { ca: o.ca, resolve: o.resolve, timeoutMs: o.timeoutMs ?? 30_000 };
  }

  withToken(accessToken: string): SynapseClient {
    return new SynapseClient({ baseUrl: this.baseUrl, accessToken, ...this.http });
  }

  /** One API call; non-2xx answers become MxErrors carrying Synapse's errcode. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token !== undefined) headers['Authorization'] = `Bearer ${this.token}`;
    const json = body === undefined ? undefined : JSON.stringify(body);
    if (json !== undefined) {
      headers['Content-Type'] = 'application/json';
      // NOTE: without a length Node sends a DELETE body chunked, and Synapse then reads no body
      // (M_NOT_JSON on the v2 room delete).
      headers['Content-Length'] = String(Buffer.byteLength(json));
    }
    let res;
    try {
      res = await httpFetch(
        `${this.baseUrl}${path}`,
        { method, headers, ...(json === undefined ? {} : { body: json }) },
        this.http,
      );
    } catch (error) {
      if (isMxError(error)) throw error;
      throw new MxError(
        'E_SYNAPSE_UNREACHABLE',
        `Synapse at ${this.baseUrl} did not answer: ${describeNetworkError(error)}.`,
        {
          hint: 'Check the stack with `mxctl status` (is synapse running and healthy?).',
          cause: error,
        },
      );
    }
    const where = `${method} ${path.split('?')[0] ?? path}`;
    if (res.status >= 200 && res.status < 300) {
      return res.json() as T;
    }
    let err: MatrixErrorBody = {};
    try {
      err = res.json() as MatrixErrorBody;
    } catch {
      // a proxy error page: reported below with the HTTP status
    }
    const what = err.errcode !== undefined ? `${err.errcode}: ${err.error ?? ''}` : `HTTP ${res.status}`;
    if (res.status === 401 || err.errcode === 'M_UNKNOWN_TOKEN' || err.errcode === 'M_MISSING_TOKEN') {
      throw new MxError('E_UNAUTHORIZED', `Synapse refused mxctl's access token (${what}) on ${where}.`, {
        hint: 'The stored admin token is missing, expired or revoked: run `mxctl admin init` to log in again.',
      });
    }
    if (res.status === 403 && err.errcode === 'M_FORBIDDEN' && path.startsWith('/_synapse/admin')) {
      throw new MxError(
        'E_UNAUTHORIZED',
        `Synapse says the token's user is not a server admin (${what}) on ${where}.`,
        {
          hint: 'Use an admin account: `mxctl admin init` creates one and stores its token.',
        },
      );
    }
    throw new SynapseApiError('E_SYNAPSE_API', `Synapse refused ${where}: ${what}.`, {
      status: res.status,
      errcode: err.errcode,
      endpoint: path,
    });
  }

  async serverVersion(): Promise<string> {
    const r = await this.call<{ server_version?: unknown }>('GET', '/_synapse/admin/v1/server_version');
    if (typeof r.server_version !== 'string')
      throw new MxError('E_SYNAPSE_API', 'Synapse answered server_version without a version.');
    return r.server_version;
  }

  /** Shared-secret registration (docs/admin_api/register_api.md); the secret never leaves this process except as the HMAC. */
  async registerWithSharedSecret(o: {
    sharedSecret: string;
    username: string;
    password: string;
    admin: boolean;
    displayname?: string;
  }): Promise<LoginResult> {
    const { nonce } = await this.call<{ nonce: string }>('GET', '/_synapse/admin/v1/register');
    const mac = createHmac('sha1', o.sharedSecret)
      .update([nonce, o.username, o.password, o.admin ? 'admin' : 'notadmin'].join('\0'))
      .digest('hex');
    return this.call<LoginResult>('POST', '/_synapse/admin/v1/register', {
      nonce,
      username: o.username,
      password: o.password,
      admin: o.admin,
      mac,
      ...(o.displayname === undefined ? {} : { displayname: o.displayname }),
    });
  }

  async login(user: string, password: string, deviceName = 'mxctl'): Promise<LoginResult> {
    return this.call<LoginResult>('POST', '/_matrix/client/v3/login', {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user },
      password,
      initial_device_display_name: deviceName,
    });
  }

  async whoami(): Promise<{ user_id: string }> {
    return this.call('GET', '/_matrix/client/v3/account/whoami');
  }

  async isAdmin(userId: string): Promise<boolean> {
    const r = await this.call<{ admin?: boolean }>(
      'GET',
      `/_synapse/admin/v1/users/${encodeURIComponent(userId)}/admin`,
    );
    return r.admin === true;
  }
}
