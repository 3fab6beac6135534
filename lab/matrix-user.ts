// A Matrix user as a client sees the server: over HTTPS through nginx, by public name.
import { httpFetch } from '../src/adapters/http.ts';
import type { HttpOptions } from '../src/adapters/http.ts';

export interface UiaResponse {
  status: number;
  body: {
    session?: string;
    flows?: { stages: string[] }[];
    completed?: string[];
    access_token?: string;
    user_id?: string;
    errcode?: string;
    error?: string;
  };
}

export class MatrixUser {
  readonly base: string;
  readonly http: HttpOptions;
  readonly accessToken: string | undefined;

  constructor(base: string, http: HttpOptions, accessToken?: string) {
    this.base = base;
    this.http = http;
    this.accessToken = accessToken;
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.accessToken !== undefined) headers['Authorization'] = `Bearer ${this.accessToken}`;
    const res = await httpFetch(
      `${this.base}${path}`,
      { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) },
      this.http,
    );
    return { status: res.status, json: res.json() as Record<string, unknown> };
  }

  /** Registers through the user-interactive auth flow; token undefined = try without one. */
  static async register(
    base: string,
    http: HttpOptions,
    username: string,
    password: string,
    token?: string,
  ): Promise<UiaResponse> {
    const anon = new MatrixUser(base, http);
    let r = await anon.request('POST', '/_matrix/client/v3/register', { username, password });
    const session = r.json['session'] as string | undefined;
    const steps: Record<string, unknown>[] = [];
    if (token !== undefined) steps.push({ type: 'm.login.registration_token', token, session });
    steps.push({ type: 'm.login.dummy', session });
    for (const auth of steps) {
      if (r.status !== 401) break;
      r = await anon.request('POST', '/_matrix/client/v3/register', { username, password, auth });
    }
    return { status: r.status, body: r.json };
  }

  static async login(base: string, http: HttpOptions, user: string, password: string): Promise<MatrixUser> {
    const r = await new MatrixUser(base, http).request('POST', '/_matrix/client/v3/login', {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user },
      password,
    });
    if (r.status !== 200) throw new Error(`login ${user}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
    return new MatrixUser(base, http, r.json['access_token'] as string);
  }

  async createRoom(name: string): Promise<string> {
    const r = await this.request('POST', '/_matrix/client/v3/createRoom', { name, preset: 'private_chat' });
    if (r.status !== 200) throw new Error(`createRoom: HTTP ${r.status} ${JSON.stringify(r.json)}`);
    return r.json['room_id'] as string;
  }

  async send(roomId: string, text: string): Promise<string> {
    const txn = `t${Date.now()}${Math.random().toString(36).slice(2)}`;
    const r = await this.request(
      'PUT',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${txn}`,
      { msgtype: 'm.text', body: text },
    );
    if (r.status !== 200) throw new Error(`send: HTTP ${r.status} ${JSON.stringify(r.json)}`);
    return r.json['event_id'] as string;
  }

  async messages(roomId: string): Promise<string[]> {
    const r = await this.request(
      'GET',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=100`,
    );
    if (r.status !== 200) throw new Error(`messages: HTTP ${r.status} ${JSON.stringify(r.json)}`);
    const chunk = r.json['chunk'] as { type: string; content: { body?: string } }[];
    return chunk.filter((e) => e.type === 'm.room.message').map((e) => e.content.body ?? '');
  }
}
