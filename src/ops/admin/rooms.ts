// Rooms: list (every page), show, members, state, delete (v2, polled), block.
import { MxError } from '../../core/errors.ts';
import { parseRoomRef } from '../../core/admin/ids.ts';
import type { RoomId } from '../../core/admin/ids.ts';
import type { RoomDetails, RoomListEntry, StateEvent, TaskStatus } from '../../adapters/synapse-admin.ts';
import type { Deps } from '../deps.ts';

export type RoomsDeps = Pick<Deps, 'admin' | 'approve' | 'progress'>;

export const ROOM_ORDERS = [
  'name',
  'canonical_alias',
  'joined_members',
  'joined_local_members',
  'version',
  'creator',
  'encryption',
  'federatable',
  'public',
  'join_rules',
  'guest_access',
  'history_visibility',
  'state_events',
] as const;

export interface ListRoomsOptions {
  /** Only the hidden --page-size sets it: tests walk small pages. */
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
  /** Set when the walk over the pages was stopped early (a misbehaving server). */
  stopped?: string;
}

const isDirection = (v: string): v is 'f' | 'b' => v === 'f' || v === 'b';

export async function listRooms(o: ListRoomsOptions, d: Pick<RoomsDeps, 'admin' | 'progress'>): Promise<RoomList> {
  if (o.orderBy !== undefined && !(ROOM_ORDERS as readonly string[]).includes(o.orderBy)) {
    throw new MxError('E_INVALID_INPUT', `--order-by "${o.orderBy}" is not a room field Synapse sorts by.`, {
      hint: `Use one of: ${ROOM_ORDERS.join(', ')}.`,
    });
  }
  const dir = o.dir;
  if (dir !== undefined && !isDirection(dir))
    throw new MxError('E_INVALID_INPUT', '--dir must be f (forwards) or b (backwards).');
  const filter = {
    ...(o.orderBy === undefined ? {} : { orderBy: o.orderBy }),
    ...(dir === undefined ? {} : { dir }),
    ...(o.search === undefined ? {} : { search: o.search }),
  };
  const r = await d.admin.reads.listRooms(filter, { limit: o.limit, pageSize: o.pageSize, progress: d.progress.step });
  return { rooms: r.items, total: r.total, ...(r.stopped === undefined ? {} : { stopped: r.stopped }) };
}

/** A room id, from an id or an alias; unknown rooms are E_NOT_FOUND. */
export async function resolveRoom(d: Pick<Deps, 'admin'>, text: string): Promise<RoomId> {
  const ref = parseRoomRef(text);
  const id = (ref.startsWith('#') ? await d.admin.reads.resolveAlias(ref) : ref) as RoomId;
  await d.admin.reads.getRoom(id);
  return id;
}

export async function showRoom(o: { room: string }, d: RoomsDeps): Promise<RoomDetails> {
  return d.admin.reads.getRoom(await resolveRoom(d, o.room));
}

export async function roomMembers(o: { room: string }, d: RoomsDeps): Promise<{ roomId: string; members: string[] }> {
  const roomId = await resolveRoom(d, o.room);
  return { roomId, members: await d.admin.reads.roomMembers(roomId) };
}

export async function roomState(
  o: { room: string; type?: string | undefined },
  d: RoomsDeps,
): Promise<{ roomId: string; state: StateEvent[] }> {
  const roomId = await resolveRoom(d, o.room);
  return { roomId, state: await d.admin.reads.roomState(roomId, o.type) };
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

export async function deleteRoom(
  o: { room: string; block: boolean; purge: boolean; message?: string; timeoutMs?: number },
  d: RoomsDeps,
): Promise<DeleteRoomReport> {
  const roomId = await resolveRoom(d, o.room);
  const room = await d.admin.reads.getRoom(roomId);
  await d.approve(
    `Delete room ${roomId} (${room.name ?? 'no name'}, ${room.joined_members} member(s))${o.purge ? ', purging its history from the database' : ''}${o.block ? ', and block it' : ''}?`,
  );
  const r = await d.admin.writes.deleteRoom(
    roomId,
    { block: o.block, purge: o.purge, ...(o.message === undefined ? {} : { message: o.message }) },
    {
      onStatus: (st) => d.progress.step(`delete ${roomId}: ${st}`),
      ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
    },
  );
  const kicked = (r['shutdown_room'] as { kicked_users?: string[] } | undefined)?.kicked_users;
  const report: DeleteRoomReport = {
    roomId,
    name: room.name,
    status: r.status,
    blocked: o.block,
    purged: o.purge,
    dryRun: d.admin.dryRun,
  };
  if (r.error !== undefined) report.error = r.error;
  if (kicked !== undefined) report.kickedUsers = kicked;
  if (r.status === 'failed')
    throw new MxError('E_SYNAPSE_API', `Synapse failed to delete ${roomId}: ${r.error ?? 'no reason given'}.`);
  return report;
}

export async function blockRoom(
  o: { room: string; block: boolean },
  d: RoomsDeps,
): Promise<{ roomId: string; blocked: boolean; dryRun: boolean }> {
  const { block } = o;
  // NOTE: blocking works for rooms this server has never seen (to stop anyone joining them), so an
  // unknown room id is fine here; only its syntax is checked.
  const ref = parseRoomRef(o.room);
  const roomId = ref.startsWith('#') ? await d.admin.reads.resolveAlias(ref) : ref;
  if (block) await d.approve(`Block room ${roomId} (no local user can join it)?`);
  await d.admin.writes.blockRoom(roomId, block);
  return { roomId, blocked: block, dryRun: d.admin.dryRun };
}
