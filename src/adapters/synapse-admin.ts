// Synapse's admin API (and the few client-API calls an admin makes), typed: the shapes it answers
// with and the two capabilities over it. Reads and writes are split: `AdminReads` always talks to
// the server (synapse-admin-reads.ts), `AdminWrites` has the real implementation
// (synapse-admin-writes.ts) and a simulated one (synapse-admin-simulated.ts) that dry runs use.
// Shapes and endpoints: reference/synapse-ops-facts.md §3, §6.
import type { Listing, Walk } from './paginate.ts';

export type { Listing, Walk } from './paginate.ts';

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

export interface RoomFilter {
  orderBy?: string;
  dir?: 'f' | 'b';
  search?: string;
}

export interface UserFilter {
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
  /** Every page (up to the walk's limit), as every list here. */
  listUsers(q: UserFilter, w: Walk): Promise<Listing<UserListEntry>>;
  whois(userId: string): Promise<Record<string, unknown>>;
  userJoinedRooms(userId: string): Promise<string[]>;
  listRooms(q: RoomFilter, w: Walk): Promise<Listing<RoomListEntry>>;
  getRoom(roomId: string): Promise<RoomDetails>;
  roomMembers(roomId: string): Promise<string[]>;
  roomState(roomId: string, type?: string): Promise<StateEvent[]>;
  resolveAlias(alias: string): Promise<string>;
  /** The user's rate-limit override; undefined when they have none. */
  rateLimitOverride(userId: string): Promise<{ messages_per_second: number; burst_count: number } | undefined>;
  userMedia(userId: string, w: Walk): Promise<Listing<MediaEntry>>;
  eventReports(q: { roomId?: string; userId?: string }, w: Walk): Promise<Listing<EventReport>>;
  eventReport(id: string): Promise<EventReport>;
  destinations(w: Walk): Promise<Listing<Destination>>;
  destination(name: string): Promise<Destination>;
  backgroundUpdates(): Promise<{
    enabled: boolean;
    current_updates: Record<
      string,
      { name: string; total_item_count: number; total_duration_ms: number; average_items_per_ms: number }
    >;
  }>;
}

/** What an admin command may change: the capability a dry run replaces. */
export interface AdminWrites {
  createToken(body: {
    token?: string;
    uses_allowed?: number | null;
    expiry_time?: number | null;
    length?: number;
  }): Promise<RegistrationToken>;
  updateToken(
    token: string,
    body: { uses_allowed?: number | null; expiry_time?: number | null },
    current: RegistrationToken,
  ): Promise<RegistrationToken>;
  deleteToken(token: string): Promise<void>;
  deactivateUser(userId: string, erase: boolean): Promise<void>;
  /** Starts a purge and polls it to the end. */
  purgeHistory(
    roomId: string,
    o: { beforeTs: number; deleteLocalEvents: boolean },
    poll: PollOptions,
  ): Promise<TaskStatus>;
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
