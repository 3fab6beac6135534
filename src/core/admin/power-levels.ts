// m.room.power_levels is a full-state event: the PUT replaces the whole content. So we read it,
// change one entry, and write everything back — and check the auth rules first, so a room where
// the change would be refused is reported instead of failing half-way.

export interface PowerLevelsContent {
  users?: Record<string, number>;
  users_default?: number;
  events?: Record<string, number>;
  state_default?: number;
  events_default?: number;
  [key: string]: unknown;
}

export type PowerLevelChange =
  | { kind: 'change'; before: number; after: number; content: PowerLevelsContent }
  | { kind: 'unchanged'; before: number }
  | { kind: 'refused'; before: number; reason: string };

export function userLevel(content: PowerLevelsContent, userId: string): number {
  return content.users?.[userId] ?? content.users_default ?? 0;
}

/** The level a sender needs to change m.room.power_levels (state_default is 50 when absent). */
export function powerLevelsEventLevel(content: PowerLevelsContent): number {
  return content.events?.['m.room.power_levels'] ?? content.state_default ?? 50;
}

/**
 * Sets `target`'s level to `level` as `actor` would, following the auth rules: the actor needs
 * the level for m.room.power_levels, must outrank the target's current level, and may not grant
 * more than its own. The content is copied; every other key is kept as it was.
 */
export function setUserLevel(
  content: PowerLevelsContent,
  o: { actor: string; target: string; level: number },
): PowerLevelChange {
  const before = userLevel(content, o.target);
  if (before === o.level && content.users?.[o.target] !== undefined) return { kind: 'unchanged', before };
  const actorLevel = userLevel(content, o.actor);
  const needed = powerLevelsEventLevel(content);
  if (actorLevel < needed)
    return {
      kind: 'refused',
      before,
      reason: `${o.actor} has power ${actorLevel}; changing power levels needs ${needed}`,
    };
  if (o.target !== o.actor && before >= actorLevel)
    return { kind: 'refused', before, reason: `${o.target} has power ${before}, not below ${o.actor}'s ${actorLevel}` };
  if (o.level > actorLevel)
    return { kind: 'refused', before, reason: `cannot grant ${o.level}, above ${o.actor}'s ${actorLevel}` };
  const copy = structuredClone(content);
  copy.users = { ...(copy.users ?? {}), [o.target]: o.level };
  return { kind: 'change', before, after: o.level, content: copy };
}

/** Whether a user at `level` can still send ordinary messages. */
export function canSendMessages(content: PowerLevelsContent, level: number): boolean {
  return level >= (content.events?.['m.room.message'] ?? content.events_default ?? 0);
}

/** The level needed to send a state event of `type`. */
export function stateEventLevel(content: PowerLevelsContent, type: string): number {
  return content.events?.[type] ?? content.state_default ?? 50;
}

/** The highest level any listed user holds: what make_room_admin grants. */
export function highestUserLevel(content: PowerLevelsContent): number {
  return Math.max(content.users_default ?? 0, ...Object.values(content.users ?? {}));
}

/** `content` with `userId` raised to at least `level` (the expected effect of make_room_admin). */
export function withUserAtLeast(content: PowerLevelsContent, userId: string, level: number): PowerLevelsContent {
  if (userLevel(content, userId) >= level) return content;
  return { ...content, users: { ...(content.users ?? {}), [userId]: level } };
}
