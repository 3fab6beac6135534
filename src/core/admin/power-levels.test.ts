import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canSendMessages, setUserLevel } from './power-levels.ts';
import type { PowerLevelsContent } from './power-levels.ts';

const ADMIN = '@admin:hs';
const BAD = '@bad:hs';

function room(extra: Partial<PowerLevelsContent> = {}): PowerLevelsContent {
  return {
    users: { '@owner:hs': 100, [ADMIN]: 100 },
    users_default: 0,
    events: { 'm.room.name': 50, 'm.room.power_levels': 100 },
    events_default: 0,
    state_default: 50,
    ban: 50,
    notifications: { room: 50 },
    ...extra,
  };
}

describe('power level read-modify-write', () => {
  it('changes one entry and keeps every other key', () => {
    const before = room();
    const r = setUserLevel(before, { actor: ADMIN, target: BAD, level: -1 });
    assert.equal(r.kind, 'change');
    if (r.kind !== 'change') return;
    assert.equal(r.before, 0);
    assert.deepEqual(r.content, { ...before, users: { ...before.users, [BAD]: -1 } });
    assert.equal(before.users?.[BAD], undefined, 'the input is not mutated');
    assert.equal(canSendMessages(r.content, -1), false);
  });

  it('is idempotent', () => {
    const r = setUserLevel(room({ users: { [ADMIN]: 100, [BAD]: -1 } }), { actor: ADMIN, target: BAD, level: -1 });
    assert.equal(r.kind, 'unchanged');
  });

  it('follows the auth rules: power to change power levels, outranking the target', () => {
    assert.equal(
      setUserLevel(room({ users: { [ADMIN]: 50 } }), { actor: ADMIN, target: BAD, level: -1 }).kind,
      'refused',
    );
    const peer = setUserLevel(room({ users: { [ADMIN]: 100, [BAD]: 100 } }), { actor: ADMIN, target: BAD, level: -1 });
    assert.equal(peer.kind, 'refused');
    assert.match(peer.kind === 'refused' ? peer.reason : '', /not below/);
    assert.equal(setUserLevel(room(), { actor: ADMIN, target: BAD, level: 101 }).kind, 'refused');
    // users_default applies to an actor missing from "users"; state_default when the event has no entry
    assert.equal(
      setUserLevel({ users_default: 60, state_default: 50 }, { actor: ADMIN, target: BAD, level: -1 }).kind,
      'refused',
    );
    assert.equal(setUserLevel({ users: { [ADMIN]: 50 } }, { actor: ADMIN, target: BAD, level: -1 }).kind, 'change');
  });

  it('respects events_default and a message-specific level', () => {
    assert.equal(canSendMessages({ events_default: 0 }, 0), true);
    assert.equal(canSendMessages({ events_default: 10 }, 0), false);
    assert.equal(canSendMessages({ events: { 'm.room.message': -5 } }, -1), true);
  });
});
