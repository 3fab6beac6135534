// Rooms: list (every page), show, members, state, delete (v2, polled), block.
import { MxError } from '../../core/errors.ts';
import { parseRoomRef } from '../../core/admin/ids.ts';
import type { RoomId } from '../../core/admin/ids.ts';
import type { RoomDetails, RoomListEntry, StateEvent, TaskStatus } from '../../adapters/synapse-admin.ts';
import { approve } from './session.ts';
import type { AdminSession } from './session.ts';

export const ROOM_ORDERS = [
  'name', 'canonical_alias', 'joined_members', 'joined_local_members', 'version', 'creator', 'encryption',
  'federatable', 'public', 'join_rules', 'guest_access', 'history_visibility', 'state_events',
] as const;

export interface ListRoomsOptions {
  orderBy?: string;
  dir?: string;
  search?: string;
  limit?: number;
  pageSize?: number;
}

export interface RoomList {
  rooms: RoomListEntry[];
  /** How many rooms match on the server (the list may be cut by --limit). */
  total: number;
}

export async function listRooms(s: AdminSession, o: ListRoomsOptions = {}): Promise<RoomList> {
  if (o.orderBy !== undefined && !(ROOM_ORDERS as readonly string[]).includes(o.orderBy)) {
    throw new MxError('E_INVALID_INPUT', `--order-by "${o.orderBy}" is not a room field Synapse sorts by.`, { hint: `Use one of: ${ROOM_ORDERS.join(', ')}.` });
  }
  if (o.dir !== undefined && o.dir !== 'f' && o.dir !== 'b') throw new MxError('E_INVALID_INPUT', '--dir must be f (forwards) or b (backwards).');
  // NOTE: every page is a full sort of all rooms on the server (OFFSET paging), so big pages are
  // cheaper overall: measured over 10,000 rooms, pages of 1,000 took 1.2 s, pages of 10,000 0.7 s.
  const pageSize = o.pageSize ?? 10_000;
  const rooms: RoomListEntry[] = [];
  let from = 0;
  let total = 0;
  for (;;) {
    const want = o.limit === undefined ? pageSize : Math.min(pageSize, o.limit - rooms.length);
    if (want <= 0) break;
    const page = await s.reads.listRooms({
      from,
      limit: want,
      ...(o.orderBy === undefined ? {} : { orderBy: o.orderBy }),
      ...(o.dir === undefined ? {} : { dir: o.dir }),
      ...(o.search === undefined ? {} : { search: o.search }),
    });
    rooms.push(...page.rooms);
    total = page.total_rooms;
    // NOTE: next_batch is absent on the last page; an empty page also ends the walk, so a
    // server that keeps answering next_batch cannot loop us forever.
    if (page.next_batch === undefined || page.rooms.length === 0) break;
    from = page.next_batch;
    s.progress(`rooms: ${rooms.length} of ${total}`);
  }
  return { rooms, total };
}

/** A room id, from an id or an alias; unknown rooms are E_NOT_FOUND. */
export async function resolveRoom(s: AdminSession, text: string): Promise<RoomId> {
  const ref = parseRoomRef(text);
  const id = (ref.startsWith('#') ? await s.reads.resolveAlias(ref) : ref) as RoomId;
  await s.reads.getRoom(id);
  return id;
}

export async function showRoom(s: AdminSession, text: string): Promise<RoomDetails> {
  return s.reads.getRoom(await resolveRoom(s, text));
}

export async function roomMembers(s: AdminSession, text: string): Promise<{ roomId: string; members: string[] }> {
  const roomId = await resolveRoom(s, text);
  return { roomId, members: await s.reads.roomMembers(roomId) };
}

export async function roomState(s: AdminSession, text: string, type?: string): Promise<{ roomId: string; state: StateEvent[] }> {
  const roomId = await resolveRoom(s, text);
  return { roomId, state: await s.reads.roomState(roomId, type) };
}

export interface DeleteRoomReport {
  roomId: string;
  name: string | null;
  status: TaskStatus['status'];
  error?: string;
  kickedUsers?: string[];
  blocked: boolean;
  purged: boolean;
  dryRun: boolean;
}

export async function deleteRoom(s: AdminSession, text: string, o: { block: boolean; purge: boolean; message?: string; timeoutMs?: number }): Promise<DeleteRoomReport> {
  const roomId = await resolveRoom(s, text);
  const room = await s.reads.getRoom(roomId);
  await approve(s, `Delete room ${roomId} (${room.name ?? 'no name'}, ${room.joined_members} member(s))${o.purge ? ', purging its history from the database' : ''}${o.block ? ', and block it' : ''}?`);
  const r = await s.writes.deleteRoom(roomId, { block: o.block, purge: o.purge, ...(o.message === undefined ? {} : { message: o.message }) }, {
    onStatus: (st) => s.progress(`delete ${roomId}: ${st}`),
    ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
  });
  const kicked = (r['shutdown_room'] as { kicked_users?: string[] } | undefined)?.kicked_users;
  const report: DeleteRoomReport = { roomId, name: room.name, status: r.status, blocked: o.block, purged: o.purge, dryRun: s.dryRun };
  if (r.error !== undefined) report.error = r.error;
  if (kicked !== undefined) report.kickedUsers = kicked;
  if (r.status === 'failed') throw new MxError('E_SYNAPSE_API', `Synapse failed to delete ${roomId}: ${r.error ?? 'no reason given'}.`);
  return report;
}

export async function blockRoom(s: AdminSession, text: string, block: boolean): Promise<{ roomId: string; blocked: boolean; dryRun: boolean }> {
  // NOTE: blocking works for rooms this server has never seen (to stop anyone joining them), so an
  // unknown room id is fine here; only its syntax is checked.
  const ref = parseRoomRef(text);
  const roomId = ref.startsWith('#') ? await s.reads.resolveAlias(ref) : ref;
  if (block) await approve(s, `Block room ${roomId} (no local user can join it)?`);
  await s.writes.blockRoom(roomId, block);
  return { roomId, blocked: block, dryRun: s.dryRun };
}
