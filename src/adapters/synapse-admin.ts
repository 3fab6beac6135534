// Synapse's admin API (and the few client-API calls an admin makes), typed. Reads and writes are
// split: `AdminReads` always talks to the server, `AdminWrites` is a capability with this real
// implementation and a simulated one (synapse-admin-simulated.ts) that dry runs use.
// Shapes and endpoints: reference/synapse-ops-facts.md §3, §6.
import { MxError, isMxError } from '../core/errors.ts';
import type { SynapseClient } from './synapse.ts';

export interface RegistrationToken {
  token: string;
  uses_allowed: number | null;
  pending: number;
  completed: number;
  expiry_time: number | null;
}

export interface UserListEntry {
  name: string;
  displayname?: string | null;
  admin: boolean | number;
  deactivated: boolean | number;
  shadow_banned?: boolean | number;
  locked?: boolean;
  is_guest?: boolean | number;
  user_type?: string | null;
  creation_ts?: number;
  last_seen_ts?: number | null;
  [key: string]: unknown;
}

export interface UserDetails extends UserListEntry {
  erased?: boolean;
  suspended?: boolean;
  threepids?: unknown[];
}

export interface RoomListEntry {
  room_id: string;
  name: string | null;
  canonical_alias: string | null;
  joined_members: number;
  joined_local_members: number;
  version?: string;
  creator?: string | null;
  encryption?: string | null;
  federatable?: boolean;
  public?: boolean;
  join_rules?: string | null;
  state_events?: number;
  [key: string]: unknown;
}

export interface RoomDetails extends RoomListEntry {
  topic?: string | null;
  forgotten?: boolean;
  tombstoned?: boolean;
}

export interface StateEvent {
  type: string;
  state_key: string;
  sender: string;
  content: Record<string, unknown>;
  event_id?: string;
  origin_server_ts?: number;
}

export interface RoomListQuery {
  from?: number;
  limit: number;
  orderBy?: string;
  dir?: 'f' | 'b';
  search?: string;
}

export interface UserListQuery {
  from?: string;
  limit: number;
  name?: string;
  guests?: boolean;
  deactivated?: boolean;
  admins?: boolean;
  orderBy?: string;
  dir?: 'f' | 'b';
}

export interface MediaEntry {
  media_id: string;
  media_type: string;
  media_length: number;
  upload_name: string | null;
  created_ts: number;
  last_access_ts: number | null;
  quarantined_by: string | null;
  safe_from_quarantine: boolean;
  [key: string]: unknown;
}

export interface EventReport {
  id: number;
  received_ts: number;
  room_id: string;
  name: string | null;
  event_id: string;
  user_id: string;
  reason: string | null;
  score: number | null;
  sender: string;
  canonical_alias: string | null;
  event_json?: unknown;
  [key: string]: unknown;
}

export interface Destination {
  destination: string;
  retry_last_ts: number;
  retry_interval: number;
  failure_ts: number | null;
  last_successful_stream_ordering: number | null;
}

export interface Page {
  from?: string;
  limit: number;
}

export interface TaskStatus {
  status: 'scheduled' | 'active' | 'complete' | 'failed' | 'simulated';
  error?: string;
  [key: string]: unknown;
}

export interface DeleteRoomOptions {
  block: boolean;
  purge: boolean;
  message?: string;
}

export interface PollOptions {
  intervalMs?: number;
  timeoutMs?: number;
  onStatus?: (status: string) => void;
}

/** What an admin command may read. Always real: a dry run reads the live server. */
export interface AdminReads {
  isMasEnabled(): Promise<boolean>;
  listTokens(valid?: boolean): Promise<RegistrationToken[]>;
  getToken(token: string): Promise<RegistrationToken>;
  getUser(userId: string): Promise<UserDetails>;
  listUsers(q: UserListQuery): Promise<{ users: UserListEntry[]; total: number; next_token?: string }>;
  whois(userId: string): Promise<Record<string, unknown>>;
  userJoinedRooms(userId: string): Promise<string[]>;
  listRooms(q: RoomListQuery): Promise<{ rooms: RoomListEntry[]; total_rooms: number; next_batch?: number }>;
  getRoom(roomId: string): Promise<RoomDetails>;
  roomMembers(roomId: string): Promise<string[]>;
  roomState(roomId: string, type?: string): Promise<StateEvent[]>;
  resolveAlias(alias: string): Promise<string>;
  /** The user's rate-limit override; undefined when they have none. */
  rateLimitOverride(userId: string): Promise<{ messages_per_second: number; burst_count: number } | undefined>;
  userMedia(userId: string, page: Page): Promise<{ media: MediaEntry[]; total: number; next_token?: string }>;
  eventReports(page: Page & { roomId?: string; userId?: string }): Promise<{ event_reports: EventReport[]; total: number; next_token?: string }>;
  eventReport(id: string): Promise<EventReport>;
  destinations(page: Page): Promise<{ destinations: Destination[]; total: number; next_token?: string }>;
  destination(name: string): Promise<Destination>;
  backgroundUpdates(): Promise<{ enabled: boolean; current_updates: Record<string, { name: string; total_item_count: number; total_duration_ms: number; average_items_per_ms: number }> }>;
}

/** What an admin command may change: the capability a dry run replaces. */
export interface AdminWrites {
  createToken(body: { token?: string; uses_allowed?: number | null; expiry_time?: number | null; length?: number }): Promise<RegistrationToken>;
  updateToken(token: string, body: { uses_allowed?: number | null; expiry_time?: number | null }, current: RegistrationToken): Promise<RegistrationToken>;
  deleteToken(token: string): Promise<void>;
  deactivateUser(userId: string, erase: boolean): Promise<void>;
  /** Starts a purge and polls it to the end. */
  purgeHistory(roomId: string, o: { beforeTs: number; deleteLocalEvents: boolean }, poll: PollOptions): Promise<TaskStatus>;
  /** A full-state write through the client API, as mxctl's admin user. */
  sendState(roomId: string, type: string, stateKey: string, content: Record<string, unknown>): Promise<string>;
  makeRoomAdmin(roomId: string, userId: string): Promise<void>;
  /** Joins mxctl's admin user to a room it was invited to (make_room_admin invites into private rooms). */
  joinRoom(roomId: string): Promise<void>;
  /** No rate limit for this user: bulk work across hundreds of rooms would otherwise stall. */
  exemptFromRateLimits(userId: string): Promise<void>;
  quarantineUserMedia(userId: string): Promise<number>;
  /** Starts a v2 room deletion and polls it to the end. */
  deleteRoom(roomId: string, o: DeleteRoomOptions, poll: PollOptions): Promise<TaskStatus>;
  blockRoom(roomId: string, block: boolean): Promise<void>;
  shadowBan(userId: string, on: boolean): Promise<void>;
  suspend(userId: string, on: boolean): Promise<void>;
  /** Creates or modifies a user (v2 PUT); true when it was created. */
  putUser(userId: string, body: Record<string, unknown>): Promise<boolean>;
  setAdmin(userId: string, on: boolean): Promise<void>;
  resetPassword(userId: string, password: string, logoutDevices: boolean): Promise<void>;
  quarantineMedia(origin: string, mediaId: string): Promise<void>;
  deleteMedia(origin: string, mediaId: string): Promise<number>;
  purgeRemoteMedia(beforeTs: number): Promise<number>;
  deleteReport(id: string): Promise<void>;
  sendServerNotice(userId: string, text: string): Promise<string>;
  resetDestination(name: string): Promise<void>;
}

/** The errcode and status Synapse answered with, when `error` is an API refusal. */
export function apiRefusal(error: unknown): { status: number; errcode: string | undefined } | undefined {
  if (!isMxError(error, 'E_SYNAPSE_API')) return undefined;
  const e = error as MxError & { status?: number; errcode?: string };
  return e.status === undefined ? undefined : { status: e.status, errcode: e.errcode };
}

const enc = encodeURIComponent;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries a call Synapse rate-limited (M_LIMIT_EXCEEDED), backing off up to about a minute in all. */
async function patient<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (apiRefusal(error)?.errcode !== 'M_LIMIT_EXCEEDED' || attempt >= 8) throw error;
      await sleep(Math.min(10_000, 500 * 2 ** attempt));
    }
  }
}

export class SynapseAdmin implements AdminReads, AdminWrites {
  readonly client: SynapseClient;
  constructor(client: SynapseClient) {
    this.client = client;
  }

  /** Synapse answers 404 for an unknown object; we say which object. */
  private async found<T>(what: string, call: () => Promise<T>, hint?: string): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const r = apiRefusal(error);
      if (r !== undefined && r.status === 404 && r.errcode !== 'M_UNRECOGNIZED') {
        throw new MxError('E_NOT_FOUND', `${what} does not exist on this server.`, hint === undefined ? {} : { hint });
      }
      throw error;
    }
  }

  /**
   * Under Matrix Authentication Service, Synapse does not register some admin endpoints (they
   * answer 404 M_UNRECOGNIZED). Say so rather than "unrecognized request".
   */
  private async masGuarded<T>(feature: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const r = apiRefusal(error);
      if (r !== undefined && (r.errcode === 'M_UNRECOGNIZED' || r.status === 404) && (await this.isMasEnabled())) {
        throw new MxError('E_MAS_ENABLED', `${feature} is managed by Matrix Authentication Service on this server; Synapse disables its own API for it.`, {
          hint: 'Use MAS for this (mas-cli, or its admin API).',
        });
      }
      throw error;
    }
  }

  async isMasEnabled(): Promise<boolean> {
    // NOTE: Synapse serves the OAuth 2.0 auth metadata (MSC2965) only when MAS (msc3861) is on.
    for (const path of ['/_matrix/client/v1/auth_metadata', '/_matrix/client/unstable/org.matrix.msc2965/auth_metadata']) {
      try {
        const r = await this.client.call<{ issuer?: unknown }>('GET', path);
        if (typeof r.issuer === 'string') return true;
      } catch (error) {
        if (apiRefusal(error) === undefined) throw error;
      }
    }
    return false;
  }

  listTokens(valid?: boolean): Promise<RegistrationToken[]> {
    const q = valid === undefined ? '' : `?valid=${valid}`;
    return this.masGuarded('Registration tokens', async () => (await this.client.call<{ registration_tokens: RegistrationToken[] }>('GET', `/_synapse/admin/v1/registration_tokens${q}`)).registration_tokens);
  }

  getToken(token: string): Promise<RegistrationToken> {
    return this.masGuarded('Registration tokens', () =>
      this.found(`Registration token "${token}"`, () => this.client.call<RegistrationToken>('GET', `/_synapse/admin/v1/registration_tokens/${enc(token)}`), '`mxctl tokens list` shows the tokens.'),
    );
  }

  getUser(userId: string): Promise<UserDetails> {
    return this.found(`User ${userId}`, () => this.client.call<UserDetails>('GET', `/_synapse/admin/v2/users/${enc(userId)}`), '`mxctl users list` shows the users.');
  }

  async listUsers(q: UserListQuery): Promise<{ users: UserListEntry[]; total: number; next_token?: string }> {
    const p = new URLSearchParams({ limit: String(q.limit) });
    if (q.from !== undefined) p.set('from', q.from);
    if (q.name !== undefined) p.set('name', q.name);
    if (q.guests !== undefined) p.set('guests', String(q.guests));
    if (q.deactivated !== undefined) p.set('deactivated', String(q.deactivated));
    if (q.admins !== undefined) p.set('admins', String(q.admins));
    if (q.orderBy !== undefined) p.set('order_by', q.orderBy);
    if (q.dir !== undefined) p.set('dir', q.dir);
    const r = await this.client.call<{ users: UserListEntry[]; total: number; next_token?: string | number }>('GET', `/_synapse/admin/v2/users?${p.toString()}`);
    return { users: r.users, total: r.total, ...(r.next_token === undefined ? {} : { next_token: String(r.next_token) }) };
  }

  whois(userId: string): Promise<Record<string, unknown>> {
    return this.found(`User ${userId}`, () => this.client.call<Record<string, unknown>>('GET', `/_synapse/admin/v1/whois/${enc(userId)}`));
  }

  async userJoinedRooms(userId: string): Promise<string[]> {
    return (await this.found(`User ${userId}`, () => this.client.call<{ joined_rooms: string[] }>('GET', `/_synapse/admin/v1/users/${enc(userId)}/joined_rooms`))).joined_rooms;
  }

  async listRooms(q: RoomListQuery): Promise<{ rooms: RoomListEntry[]; total_rooms: number; next_batch?: number }> {
    const p = new URLSearchParams({ limit: String(q.limit), from: String(q.from ?? 0) });
    if (q.orderBy !== undefined) p.set('order_by', q.orderBy);
    if (q.dir !== undefined) p.set('dir', q.dir);
    if (q.search !== undefined) p.set('search_term', q.search);
    return this.client.call('GET', `/_synapse/admin/v1/rooms?${p.toString()}`);
  }

  getRoom(roomId: string): Promise<RoomDetails> {
    return this.found(`Room ${roomId}`, () => this.client.call<RoomDetails>('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}`), '`mxctl rooms list` shows the rooms.');
  }

  async roomMembers(roomId: string): Promise<string[]> {
    return (await this.found(`Room ${roomId}`, () => this.client.call<{ members: string[] }>('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/members`))).members;
  }

  async roomState(roomId: string, type?: string): Promise<StateEvent[]> {
    const q = type === undefined ? '' : `?type=${enc(type)}`;
    const state = (await this.found(`Room ${roomId}`, () => this.client.call<{ state: StateEvent[] }>('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/state${q}`))).state;
    // NOTE: older Synapse versions ignore ?type=, so filter here too.
    return type === undefined ? state : state.filter((e) => e.type === type);
  }

  async resolveAlias(alias: string): Promise<string> {
    return (await this.found(`Room alias ${alias}`, () => this.client.call<{ room_id: string }>('GET', `/_matrix/client/v3/directory/room/${enc(alias)}`))).room_id;
  }

  async rateLimitOverride(userId: string): Promise<{ messages_per_second: number; burst_count: number } | undefined> {
    const r = await this.client.call<{ messages_per_second?: number; burst_count?: number }>('GET', `/_synapse/admin/v1/users/${enc(userId)}/override_ratelimit`);
    return r.messages_per_second === undefined ? undefined : { messages_per_second: r.messages_per_second, burst_count: r.burst_count ?? 0 };
  }

  private static pageQuery(page: Page, extra: Record<string, string | undefined> = {}): string {
    const p = new URLSearchParams({ limit: String(page.limit) });
    if (page.from !== undefined) p.set('from', page.from);
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) p.set(k, v);
    return p.toString();
  }

  private static withNext<T extends { next_token?: string | number }>(r: T): Omit<T, 'next_token'> & { next_token?: string } {
    const { next_token, ...rest } = r;
    return next_token === undefined || next_token === null ? rest : { ...rest, next_token: String(next_token) };
  }

  async userMedia(userId: string, page: Page): Promise<{ media: MediaEntry[]; total: number; next_token?: string }> {
    const r = await this.found(`User ${userId}`, () =>
      this.client.call<{ media: MediaEntry[]; total: number; next_token?: number }>('GET', `/_synapse/admin/v1/users/${enc(userId)}/media?${SynapseAdmin.pageQuery(page, { order_by: 'created_ts', dir: 'b' })}`),
    );
    return SynapseAdmin.withNext(r);
  }

  async eventReports(page: Page & { roomId?: string; userId?: string }): Promise<{ event_reports: EventReport[]; total: number; next_token?: string }> {
    const q = SynapseAdmin.pageQuery(page, { dir: 'b', room_id: page.roomId, user_id: page.userId });
    return SynapseAdmin.withNext(await this.client.call<{ event_reports: EventReport[]; total: number; next_token?: number }>('GET', `/_synapse/admin/v1/event_reports?${q}`));
  }

  eventReport(id: string): Promise<EventReport> {
    return this.found(`Event report ${id}`, () => this.client.call<EventReport>('GET', `/_synapse/admin/v1/event_reports/${enc(id)}`), '`mxctl reports list` shows the reports.');
  }

  async destinations(page: Page): Promise<{ destinations: Destination[]; total: number; next_token?: string }> {
    return SynapseAdmin.withNext(await this.client.call<{ destinations: Destination[]; total: number; next_token?: string }>('GET', `/_synapse/admin/v1/federation/destinations?${SynapseAdmin.pageQuery(page)}`));
  }

  destination(name: string): Promise<Destination> {
    return this.found(`Federation destination ${name}`, () => this.client.call<Destination>('GET', `/_synapse/admin/v1/federation/destinations/${enc(name)}`), 'This server has never tried to reach it.');
  }

  backgroundUpdates(): ReturnType<AdminReads['backgroundUpdates']> {
    return this.client.call('GET', '/_synapse/admin/v1/background_updates/status');
  }

  // ---- writes ----

  createToken(body: Parameters<AdminWrites['createToken']>[0]): Promise<RegistrationToken> {
    return this.masGuarded('Registration tokens', () => this.client.call<RegistrationToken>('POST', '/_synapse/admin/v1/registration_tokens/new', body));
  }

  updateToken(token: string, body: Parameters<AdminWrites['updateToken']>[1]): Promise<RegistrationToken> {
    return this.masGuarded('Registration tokens', () => this.found(`Registration token "${token}"`, () => this.client.call<RegistrationToken>('PUT', `/_synapse/admin/v1/registration_tokens/${enc(token)}`, body)));
  }

  async deleteToken(token: string): Promise<void> {
    await this.masGuarded('Registration tokens', () => this.found(`Registration token "${token}"`, () => this.client.call('DELETE', `/_synapse/admin/v1/registration_tokens/${enc(token)}`)));
  }

  async deactivateUser(userId: string, erase: boolean): Promise<void> {
    await this.found(`User ${userId}`, () => this.client.call('POST', `/_synapse/admin/v1/deactivate/${enc(userId)}`, { erase }));
  }

  async purgeHistory(roomId: string, o: { beforeTs: number; deleteLocalEvents: boolean }, poll: PollOptions): Promise<TaskStatus> {
    const { purge_id } = await this.client.call<{ purge_id: string }>('POST', `/_synapse/admin/v1/purge_history/${enc(roomId)}`, {
      delete_local_events: o.deleteLocalEvents,
      purge_up_to_ts: o.beforeTs,
    });
    return this.pollTask(`purge ${purge_id}`, () => this.client.call<TaskStatus>('GET', `/_synapse/admin/v1/purge_history_status/${enc(purge_id)}`), poll);
  }

  async sendState(roomId: string, type: string, stateKey: string, content: Record<string, unknown>): Promise<string> {
    const r = await patient(() => this.client.call<{ event_id: string }>('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`, content));
    return r.event_id;
  }

  async makeRoomAdmin(roomId: string, userId: string): Promise<void> {
    // NOTE: Synapse sends the power-levels change as the room's most powerful local user, under
    // that user's rate limit; a take-over of many rooms of one creator meets M_LIMIT_EXCEEDED.
    await patient(() => this.client.call('POST', `/_synapse/admin/v1/rooms/${enc(roomId)}/make_room_admin`, { user_id: userId }));
  }

  async joinRoom(roomId: string): Promise<void> {
    await patient(() => this.client.call('POST', `/_matrix/client/v3/join/${enc(roomId)}`, {}));
  }

  async exemptFromRateLimits(userId: string): Promise<void> {
    await this.client.call('POST', `/_synapse/admin/v1/users/${enc(userId)}/override_ratelimit`, { messages_per_second: 0, burst_count: 0 });
  }

  async quarantineUserMedia(userId: string): Promise<number> {
    return (await this.client.call<{ num_quarantined: number }>('POST', `/_synapse/admin/v1/user/${enc(userId)}/media/quarantine`, {})).num_quarantined;
  }

  async deleteRoom(roomId: string, o: DeleteRoomOptions, poll: PollOptions): Promise<TaskStatus> {
    const { delete_id } = await this.found(`Room ${roomId}`, () =>
      this.client.call<{ delete_id: string }>('DELETE', `/_synapse/admin/v2/rooms/${enc(roomId)}`, { block: o.block, purge: o.purge, ...(o.message === undefined ? {} : { message: o.message }) }),
    );
    return this.pollTask(`room deletion ${delete_id}`, () => this.client.call<TaskStatus>('GET', `/_synapse/admin/v2/rooms/delete_status/${enc(delete_id)}`), poll);
  }

  async blockRoom(roomId: string, block: boolean): Promise<void> {
    await this.client.call('PUT', `/_synapse/admin/v1/rooms/${enc(roomId)}/block`, { block });
  }

  async shadowBan(userId: string, on: boolean): Promise<void> {
    await this.found(`User ${userId}`, () => this.client.call(on ? 'POST' : 'DELETE', `/_synapse/admin/v1/users/${enc(userId)}/shadow_ban`));
  }

  async suspend(userId: string, on: boolean): Promise<void> {
    await this.found(`User ${userId}`, () => this.client.call('PUT', `/_synapse/admin/v1/suspend/${enc(userId)}`, { suspend: on }));
  }

  async putUser(userId: string, body: Record<string, unknown>): Promise<boolean> {
    const before = await this.client.call<unknown>('GET', `/_synapse/admin/v2/users/${enc(userId)}`).then(
      () => true,
      (error: unknown) => {
        if (apiRefusal(error)?.status === 404) return false;
        throw error;
      },
    );
    await this.client.call('PUT', `/_synapse/admin/v2/users/${enc(userId)}`, body);
    return !before;
  }

  async setAdmin(userId: string, on: boolean): Promise<void> {
    await this.masGuarded('Setting the server-admin flag', () => this.found(`User ${userId}`, () => this.client.call('PUT', `/_synapse/admin/v1/users/${enc(userId)}/admin`, { admin: on })));
  }

  async resetPassword(userId: string, password: string, logoutDevices: boolean): Promise<void> {
    await this.masGuarded('Password reset', () =>
      this.found(`User ${userId}`, () => this.client.call('POST', `/_synapse/admin/v1/reset_password/${enc(userId)}`, { new_password: password, logout_devices: logoutDevices })),
    );
  }

  async quarantineMedia(origin: string, mediaId: string): Promise<void> {
    await this.client.call('POST', `/_synapse/admin/v1/media/quarantine/${enc(origin)}/${enc(mediaId)}`, {});
  }

  async deleteMedia(origin: string, mediaId: string): Promise<number> {
    return (await this.found(`Media mxc://${origin}/${mediaId}`, () => this.client.call<{ total: number }>('DELETE', `/_synapse/admin/v1/media/${enc(origin)}/${enc(mediaId)}`))).total;
  }

  async purgeRemoteMedia(beforeTs: number): Promise<number> {
    return (await this.client.call<{ deleted: number }>('POST', `/_synapse/admin/v1/purge_media_cache?before_ts=${beforeTs}`, {})).deleted;
  }

  async deleteReport(id: string): Promise<void> {
    await this.found(`Event report ${id}`, () => this.client.call('DELETE', `/_synapse/admin/v1/event_reports/${enc(id)}`));
  }

  async sendServerNotice(userId: string, text: string): Promise<string> {
    try {
      return (await this.client.call<{ event_id: string }>('POST', '/_synapse/admin/v1/send_server_notice', { user_id: userId, content: { msgtype: 'm.text', body: text } })).event_id;
    } catch (error) {
      const r = apiRefusal(error);
      if (r?.status === 400 && r.errcode === 'M_UNKNOWN') {
        throw new MxError('E_CONFIG_INVALID', (error as Error).message, {
          // NOTE: deployments written before the template had it lack the section; init adds it.
          hint: 'Server notices need the `server_notices:` section in synapse/homeserver.yaml: `mxctl init --domain DOMAIN --yes` adds it, then `mxctl restart synapse`.',
        });
      }
      throw error;
    }
  }

  async resetDestination(name: string): Promise<void> {
    await this.found(`Federation destination ${name}`, () => this.client.call('POST', `/_synapse/admin/v1/federation/destinations/${enc(name)}/reset_connection`, {}));
  }

  private async pollTask(what: string, get: () => Promise<TaskStatus>, o: PollOptions): Promise<TaskStatus> {
    const deadline = Date.now() + (o.timeoutMs ?? 30 * 60_000);
    let last = '';
    for (;;) {
      const s = await get();
      if (s.status !== last) o.onStatus?.(s.status);
      last = s.status;
      if (s.status === 'complete' || s.status === 'failed') return s;
      if (Date.now() > deadline) {
        throw new MxError('E_TIMEOUT', `Synapse's ${what} is still "${s.status}" after ${Math.round((o.timeoutMs ?? 0) / 1000)} s.`, {
          hint: 'It keeps running on the server; check again later.',
        });
      }
      await sleep(o.intervalMs ?? 500);
    }
  }
}
