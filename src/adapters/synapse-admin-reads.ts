// AdminReads over the live server: a dry run reads real state too. Every list walks its pages
// through the one paginate().
import { enc, found, isMasEnabled, masGuarded, nextToken, pageQuery } from './synapse-admin-http.ts';
import { collect, paginate } from './paginate.ts';
import type { Listing, PageOf, Walk } from './paginate.ts';
import type {
  AdminReads,
  Destination,
  EventReport,
  MediaEntry,
  RegistrationToken,
  RoomDetails,
  RoomFilter,
  RoomListEntry,
  StateEvent,
  UserDetails,
  UserFilter,
  UserListEntry,
} from './synapse-admin.ts';
import type { SynapseClient } from './synapse.ts';

/** Pages of the cursor-paged lists (users, media, reports, destinations): at most 500 a page. */
const TOKEN_PAGE = 500;
/**
 * NOTE: every page of the room list is a full sort of all rooms on the server (OFFSET paging), so
 * big pages are cheaper overall: measured over 10,000 rooms, pages of 1,000 took 1.2 s, pages of
 * 10,000 0.7 s.
 */
const ROOM_PAGE = 10_000;

type TokenPage<K extends string, T> = { [key in K]: T[] } & { total: number; next_token?: string | number | null };

export class SynapseAdminReads implements AdminReads {
  readonly client: SynapseClient;
  constructor(client: SynapseClient) {
    this.client = client;
  }

  isMasEnabled(): Promise<boolean> {
    return isMasEnabled(this.client);
  }

  /** A cursor-paged list: `path` answers `{ [key]: T[], total, next_token }`. */
  private walkTokens<K extends string, T>(
    label: string,
    key: K,
    path: string,
    extra: Record<string, string | undefined>,
    w: Walk,
    call?: (url: string) => Promise<TokenPage<K, T>>,
  ): Promise<Listing<T>> {
    const get = call ?? ((url: string) => this.client.call<TokenPage<K, T>>('GET', url));
    const fetchPage = async (from: string | undefined, limit: number): Promise<PageOf<T, string>> => {
      const r = await get(`${path}?${pageQuery(from, limit, extra)}`);
      return { items: r[key], total: r.total, next: nextToken(r.next_token) };
    };
    return collect(paginate(fetchPage, { ...w, label, pageSize: w.pageSize ?? TOKEN_PAGE }));
  }

  listTokens(valid?: boolean): Promise<RegistrationToken[]> {
    const q = valid === undefined ? '' : `?valid=${valid}`;
    return masGuarded(
      this.client,
      'Registration tokens',
      async () =>
        (
          await this.client.call<{ registration_tokens: RegistrationToken[] }>(
            'GET',
            `/_synapse/admin/v1/registration_tokens${q}`,
          )
        ).registration_tokens,
    );
  }

  getToken(token: string): Promise<RegistrationToken> {
    return masGuarded(this.client, 'Registration tokens', () =>
      found(
        `Registration token "${token}"`,
        () => this.client.call<RegistrationToken>('GET', `/_synapse/admin/v1/registration_tokens/${enc(token)}`),
        '`mxctl tokens list` shows the tokens.',
      ),
    );
  }

  getUser(userId: string): Promise<UserDetails> {
    return found(
      `User ${userId}`,
      () => this.client.call<UserDetails>('GET', `/_synapse/admin/v2/users/${enc(userId)}`),
      '`mxctl users list` shows the users.',
    );
  }

  listUsers(q: UserFilter, w: Walk): Promise<Listing<UserListEntry>> {
    const str = (v: boolean | undefined) => (v === undefined ? undefined : String(v));
    const filter = {
      name: q.name,
      guests: str(q.guests),
      deactivated: str(q.deactivated),
      admins: str(q.admins),
      order_by: q.orderBy,
      dir: q.dir,
    };
    return this.walkTokens('users', 'users', '/_synapse/admin/v2/users', filter, w);
  }

  whois(userId: string): Promise<Record<string, unknown>> {
    return found(`User ${userId}`, () =>
      this.client.call<Record<string, unknown>>('GET', `/_synapse/admin/v1/whois/${enc(userId)}`),
    );
  }

  async userJoinedRooms(userId: string): Promise<string[]> {
    return (
      await found(`User ${userId}`, () =>
        this.client.call<{ joined_rooms: string[] }>('GET', `/_synapse/admin/v1/users/${enc(userId)}/joined_rooms`),
      )
    ).joined_rooms;
  }

  listRooms(q: RoomFilter, w: Walk): Promise<Listing<RoomListEntry>> {
    const fetchPage = async (from: number | undefined, limit: number): Promise<PageOf<RoomListEntry, number>> => {
      const p = new URLSearchParams({ limit: String(limit), from: String(from ?? 0) });
      if (q.orderBy !== undefined) p.set('order_by', q.orderBy);
      if (q.dir !== undefined) p.set('dir', q.dir);
      if (q.search !== undefined) p.set('search_term', q.search);
      const r = await this.client.call<{ rooms: RoomListEntry[]; total_rooms: number; next_batch?: number | null }>(
        'GET',
        `/_synapse/admin/v1/rooms?${p.toString()}`,
      );
      return { items: r.rooms, total: r.total_rooms, next: r.next_batch ?? undefined };
    };
    return collect(paginate(fetchPage, { ...w, label: 'rooms', pageSize: w.pageSize ?? ROOM_PAGE }));
  }

  getRoom(roomId: string): Promise<RoomDetails> {
    return found(
      `Room ${roomId}`,
      () => this.client.call<RoomDetails>('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}`),
      '`mxctl rooms list` shows the rooms.',
    );
  }

  async roomMembers(roomId: string): Promise<string[]> {
    return (
      await found(`Room ${roomId}`, () =>
        this.client.call<{ members: string[] }>('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/members`),
      )
    ).members;
  }

  async roomState(roomId: string, type?: string): Promise<StateEvent[]> {
    const q = type === undefined ? '' : `?type=${enc(type)}`;
    const state = (
      await found(`Room ${roomId}`, () =>
        this.client.call<{ state: StateEvent[] }>('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/state${q}`),
      )
    ).state;
    // NOTE: older Synapse versions ignore ?type=, so filter here too.
    return type === undefined ? state : state.filter((e) => e.type === type);
  }

  async resolveAlias(alias: string): Promise<string> {
    return (
      await found(`Room alias ${alias}`, () =>
        this.client.call<{ room_id: string }>('GET', `/_matrix/client/v3/directory/room/${enc(alias)}`),
      )
    ).room_id;
  }

  async rateLimitOverride(userId: string): Promise<{ messages_per_second: number; burst_count: number } | undefined> {
    const r = await this.client.call<{ messages_per_second?: number; burst_count?: number }>(
      'GET',
      `/_synapse/admin/v1/users/${enc(userId)}/override_ratelimit`,
    );
    return r.messages_per_second === undefined
      ? undefined
      : { messages_per_second: r.messages_per_second, burst_count: r.burst_count ?? 0 };
  }

  userMedia(userId: string, w: Walk): Promise<Listing<MediaEntry>> {
    const path = `/_synapse/admin/v1/users/${enc(userId)}/media`;
    const call = (url: string) =>
      found(`User ${userId}`, () => this.client.call<TokenPage<'media', MediaEntry>>('GET', url));
    return this.walkTokens('media', 'media', path, { order_by: 'created_ts', dir: 'b' }, w, call);
  }

  eventReports(q: { roomId?: string; userId?: string }, w: Walk): Promise<Listing<EventReport>> {
    return this.walkTokens(
      'reports',
      'event_reports',
      '/_synapse/admin/v1/event_reports',
      { dir: 'b', room_id: q.roomId, user_id: q.userId },
      w,
    );
  }

  eventReport(id: string): Promise<EventReport> {
    return found(
      `Event report ${id}`,
      () => this.client.call<EventReport>('GET', `/_synapse/admin/v1/event_reports/${enc(id)}`),
      '`mxctl reports list` shows the reports.',
    );
  }

  destinations(w: Walk): Promise<Listing<Destination>> {
    return this.walkTokens('destinations', 'destinations', '/_synapse/admin/v1/federation/destinations', {}, w);
  }

  destination(name: string): Promise<Destination> {
    return found(
      `Federation destination ${name}`,
      () => this.client.call<Destination>('GET', `/_synapse/admin/v1/federation/destinations/${enc(name)}`),
      'This server has never tried to reach it.',
    );
  }

  backgroundUpdates(): ReturnType<AdminReads['backgroundUpdates']> {
    return this.client.call('GET', '/_synapse/admin/v1/background_updates/status');
  }
}
