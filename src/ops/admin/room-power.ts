// Acting in a room as mxctl's admin user: it must be joined and hold enough power. When it does
// not and the admin allowed it (--take-over), Synapse's make_room_admin joins it and grants it the
// level of the room's most powerful local user.
import { highestUserLevel, userLevel, withUserAtLeast } from '../../core/admin/power-levels.ts';
import type { PowerLevelsContent } from '../../core/admin/power-levels.ts';
import type { Deps } from '../deps.ts';

/** Acting in rooms as mxctl's admin: the admin API, and where to say which room is next. */
export type RoomPowerDeps = Pick<Deps, 'admin' | 'approve' | 'progress'>;

export type RoomAccess =
  { ok: true; powerLevels: PowerLevelsContent; tookOver: boolean } | { ok: false; reason: string };

export async function readPowerLevels(d: Pick<Deps, 'admin'>, roomId: string): Promise<PowerLevelsContent | undefined> {
  const [event] = await d.admin.reads.roomState(roomId, 'm.room.power_levels');
  return event?.content;
}

/**
 * Makes sure the admin is in the room with at least `needed` power (the caller's check decides
 * what "enough" means), taking over the room only when `takeOver` is set.
 */
export async function ensureAdminAccess(
  d: Pick<Deps, 'admin'>,
  roomId: string,
  o: { needed: (pl: PowerLevelsContent) => boolean; takeOver: boolean },
): Promise<RoomAccess> {
  const pl = await readPowerLevels(d, roomId);
  if (pl === undefined) return { ok: false, reason: 'the room has no power levels event' };
  const joined = (await d.admin.reads.roomMembers(roomId)).includes(d.admin.adminUserId);
  if (joined && o.needed(pl)) return { ok: true, powerLevels: pl, tookOver: false };
  const why = joined
    ? `${d.admin.adminUserId} has power ${userLevel(pl, d.admin.adminUserId)} here, not enough`
    : `${d.admin.adminUserId} is not in the room`;
  if (!o.takeOver) return { ok: false, reason: `${why} (--take-over makes it room admin)` };
  await d.admin.writes.makeRoomAdmin(roomId, d.admin.adminUserId);
  // NOTE: make_room_admin only invites the admin into a private room; joining is ours to do.
  if (!joined) await d.admin.writes.joinRoom(roomId);
  // NOTE: re-read what the server now has; overlaying the expected grant keeps a dry run's plan
  // truthful (the simulated make_room_admin changed nothing) and is a no-op after a real one.
  const after = withUserAtLeast((await readPowerLevels(d, roomId)) ?? pl, d.admin.adminUserId, highestUserLevel(pl));
  if (!o.needed(after)) return { ok: false, reason: `${why}, and even as room admin it would not be enough` };
  return { ok: true, powerLevels: after, tookOver: true };
}

/**
 * Bulk work sends one event per room as mxctl's admin; Synapse's default message and join rate
 * limits (a burst of 10) would stall it, so the admin gets a rate-limit override once.
 */
export async function prepareBulkWork(d: Pick<Deps, 'admin'>): Promise<void> {
  const current = await d.admin.reads.rateLimitOverride(d.admin.adminUserId);
  if (current?.messages_per_second === 0 && current.burst_count === 0) return;
  await d.admin.writes.exemptFromRateLimits(d.admin.adminUserId);
}

export interface RoomOutcome {
  roomId: string;
  result: 'changed' | 'unchanged' | 'skipped' | 'failed';
  detail: string;
  tookOver?: boolean;
}
