// Acting in a room as mxctl's admin user: it must be joined and hold enough power. When it does
// not and the admin allowed it (--take-over), Synapse's make_room_admin joins it and grants it the
// level of the room's most powerful local user.
import { highestUserLevel, userLevel, withUserAtLeast } from '../../core/admin/power-levels.ts';
import type { PowerLevelsContent } from '../../core/admin/power-levels.ts';
import type { AdminSession } from './session.ts';

export type RoomAccess =
  | { ok: true; powerLevels: PowerLevelsContent; tookOver: boolean }
  | { ok: false; reason: string };

export async function readPowerLevels(s: AdminSession, roomId: string): Promise<PowerLevelsContent | undefined> {
  const [event] = await s.reads.roomState(roomId, 'm.room.power_levels');
  return event?.content;
}

/**
 * Makes sure the admin is in the room with at least `needed` power (the caller's check decides
 * what "enough" means), taking over the room only when `takeOver` is set.
 */
export async function ensureAdminAccess(s: AdminSession, roomId: string, o: { needed: (pl: PowerLevelsContent) => boolean; takeOver: boolean }): Promise<RoomAccess> {
  const pl = await readPowerLevels(s, roomId);
  if (pl === undefined) return { ok: false, reason: 'the room has no power levels event' };
  const joined = (await s.reads.roomMembers(roomId)).includes(s.adminUserId);
  if (joined && o.needed(pl)) return { ok: true, powerLevels: pl, tookOver: false };
  const why = joined ? `${s.adminUserId} has power ${userLevel(pl, s.adminUserId)} here, not enough` : `${s.adminUserId} is not in the room`;
  if (!o.takeOver) return { ok: false, reason: `${why} (--take-over makes it room admin)` };
  await s.writes.makeRoomAdmin(roomId, s.adminUserId);
  // NOTE: make_room_admin only invites the admin into a private room; joining is ours to do.
  if (!joined) await s.writes.joinRoom(roomId);
  // NOTE: re-read what the server now has; overlaying the expected grant keeps a dry run's plan
  // truthful (the simulated make_room_admin changed nothing) and is a no-op after a real one.
  const after = withUserAtLeast((await readPowerLevels(s, roomId)) ?? pl, s.adminUserId, highestUserLevel(pl));
  if (!o.needed(after)) return { ok: false, reason: `${why}, and even as room admin it would not be enough` };
  return { ok: true, powerLevels: after, tookOver: true };
}

/**
 * Bulk work sends one event per room as mxctl's admin; Synapse's default message and join rate
 * limits (a burst of 10) would stall it, so the admin gets a rate-limit override once.
 */
export async function prepareBulkWork(s: AdminSession): Promise<void> {
  const current = await s.reads.rateLimitOverride(s.adminUserId);
  if (current?.messages_per_second === 0 && current.burst_count === 0) return;
  await s.writes.exemptFromRateLimits(s.adminUserId);
}

export interface RoomOutcome {
  roomId: string;
  result: 'changed' | 'unchanged' | 'skipped' | 'failed';
  detail: string;
  tookOver?: boolean;
}
