// User & room administration against the real lab: every command through the real mxctl CLI,
// asserting the SERVER's resulting state (as a user's client or the admin API sees it), with a
// sample cross-checked against synadm, and the bad inputs that must change nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLab, openLab } from './lab-harness.ts';
import type { Lab } from './lab-harness.ts';
import { MatrixUser } from './matrix-user.ts';
import { openSynadm } from './synadm.ts';
import type { Synadm } from './synadm.ts';
import { adminStatePath, readAdminState } from '../../src/ops/admin/state.ts';
import { createCompose } from '../../src/adapters/compose.ts';
import type { TokenView } from '../../src/ops/admin/tokens.ts';
import type { RoomList } from '../../src/ops/admin/rooms.ts';
import type { QuarantineReport } from '../../src/ops/admin/abuse.ts';
import type { ServerAclReport } from '../../src/ops/admin/federation.ts';
import type { PurgeHistoryReport } from '../../src/ops/admin/purge-history.ts';
import type { RegistrationToken, StateEvent } from '../../src/adapters/synapse-admin.ts';

const enc = encodeURIComponent;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('user & room administration in the lab', () => {
  let lab: Lab;
  let matrix: string;
  let server: string;
  let synadm: Synadm;
  // NOTE: ADMIN_E2E_DIR reuses an already running lab while developing; names get a per-run suffix
  // so a reused lab's leftovers cannot collide.
  const reuse = process.env['ADMIN_E2E_DIR'];
  const run = Date.now().toString(36);
  const name = (n: string) => `${n}${run}`;

  async function mx(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return lab.mxctl(args);
  }
  async function mxJson<T>(args: readonly string[]): Promise<T> {
    const r = await lab.mxctl([...args, '--json']);
    assert.equal(r.code, 0, `mxctl ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  /** A local user made through the admin API (no registration rate limit), logged in as a client. */
  async function makeUser(local: string): Promise<{ id: string; client: MatrixUser; password: string }> {
    const id = `@${local}:${server}`;
    const password = `pw-${local}-x9`;
    await lab.admin.call('PUT', `/_synapse/admin/v2/users/${enc(id)}`, { password, displayname: local });
    await lab.admin.call('POST', `/_synapse/admin/v1/users/${enc(id)}/override_ratelimit`, { messages_per_second: 0, burst_count: 0 });
    const { access_token } = await lab.admin.call<{ access_token: string }>('POST', `/_synapse/admin/v1/users/${enc(id)}/login`, {});
    return { id, password, client: new MatrixUser(matrix, lab.publicHttp, access_token) };
  }

  /** One query against the lab's Postgres, through compose (as an operator with psql would). */
  async function sql(query: string): Promise<string> {
    const r = await createCompose(join(lab.dir, 'compose')).exec('postgres', ['psql', '-U', lab.settings.POSTGRES_USER, '-d', lab.settings.POSTGRES_DB, '-Atc', query]);
    return r.stdout;
  }

  async function state<T>(roomId: string, type: string): Promise<T | undefined> {
    const r = await lab.admin.call<{ state: StateEvent[] }>('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/state`);
    return r.state.find((e) => e.type === type)?.content as T | undefined;
  }

  async function joinRoom(u: MatrixUser, roomId: string, inviter: MatrixUser, userId: string): Promise<void> {
    const inv = await inviter.request('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: userId });
    assert.equal(inv.status, 200, JSON.stringify(inv.json));
    const j = await u.request('POST', `/_matrix/client/v3/join/${enc(roomId)}`, {});
    assert.equal(j.status, 200, JSON.stringify(j.json));
  }

  before(async () => {
    lab = reuse === undefined ? await startLab() : await openLab(reuse);
    matrix = `https://${lab.settings.MX_MATRIX_HOST}`;
    server = lab.settings.MX_SERVER_NAME;
    const admin = await readAdminState(lab.dir);
    assert.ok(admin);
    synadm = await openSynadm({ baseUrl: lab.admin.baseUrl, userId: admin.user_id, token: admin.access_token, serverName: server });
  });
  after(async () => {
    await synadm?.remove();
    if (reuse === undefined) await lab?.destroy();
  });

  it('tokens create: single use by default, admits exactly one registration', async () => {
    const t = await mxJson<TokenView>(['tokens', 'create']);
    assert.equal(t.uses_allowed, 1);
    assert.ok(t.expiry_time !== null && Math.abs(t.expiry_time - (Date.now() + 7 * 86_400_000)) < 120_000, 'expires in 7 days');
    const first = await MatrixUser.register(matrix, lab.publicHttp, name('newbie'), 'pw-newbie-123', t.token);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const second = await MatrixUser.register(matrix, lab.publicHttp, name('second'), 'pw-second-123', t.token);
    assert.equal(second.status, 401, 'the used token admits nobody else');
    const shown = await mxJson<TokenView>(['tokens', 'show', t.token]);
    assert.equal(shown.completed, 1);
    assert.equal(shown.valid, false);
    // synadm sees the same token the same way
    const viaSynadm = await synadm.json<{ registration_tokens: RegistrationToken[] }>(['regtok', 'list']);
    const same = viaSynadm.registration_tokens.find((x) => x.token === t.token);
    assert.equal(same?.completed, 1);
    assert.equal(same?.uses_allowed, 1);
  });

  it('tokens create/list/update/delete with explicit values; --dry-run creates nothing', async () => {
    const tok = name('invite');
    const dry = await mxJson<TokenView & { planned: unknown[] }>(['tokens', 'create', '--token', tok, '--dry-run']);
    assert.equal(dry.planned.length, 1);
    await assert.rejects(lab.admin.call('GET', `/_synapse/admin/v1/registration_tokens/${tok}`), /M_NOT_FOUND/);

    const t = await mxJson<TokenView>(['tokens', 'create', '--token', tok, '--uses', '5', '--expires', 'never']);
    assert.deepEqual([t.token, t.uses_allowed, t.expiry_time], [tok, 5, null]);
    const valid = await mxJson<TokenView[]>(['tokens', 'list', '--valid']);
    assert.ok(valid.some((x) => x.token === tok));
    const invalid = await mxJson<TokenView[]>(['tokens', 'list', '--invalid']);
    assert.ok(!invalid.some((x) => x.token === tok));

    await mxJson(['tokens', 'update', tok, '--uses', 'unlimited', '--expires', '30d']);
    const server1 = await lab.admin.call<RegistrationToken>('GET', `/_synapse/admin/v1/registration_tokens/${tok}`);
    assert.equal(server1.uses_allowed, null);
    assert.ok(server1.expiry_time !== null && server1.expiry_time > Date.now() + 29 * 86_400_000);
    const table = await mx(['tokens', 'list']);
    assert.match(table.stdout, new RegExp(`${tok}\\s+unlimited`));

    const noYes = await mx(['tokens', 'delete', tok]);
    assert.equal(noYes.code, 2, 'no terminal and no --yes: refused');
    await lab.admin.call('GET', `/_synapse/admin/v1/registration_tokens/${tok}`);
    const del = await mx(['tokens', 'delete', tok, '--yes']);
    assert.equal(del.code, 0, del.stderr);
    await assert.rejects(lab.admin.call('GET', `/_synapse/admin/v1/registration_tokens/${tok}`), /M_NOT_FOUND/);
  });

  it('tokens: bad input is refused and creates nothing', async () => {
    const before = (await lab.admin.call<{ registration_tokens: unknown[] }>('GET', '/_synapse/admin/v1/registration_tokens')).registration_tokens.length;
    for (const args of [['--token', 'has space'], ['--uses', 'many'], ['--expires', '2001-01-01'], ['--expires', '7y']]) {
      const r = await mx(['tokens', 'create', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /mxctl: /);
    }
    const missing = await mx(['tokens', 'show', 'no-such-token']);
    assert.equal(missing.code, 12);
    assert.match(missing.stderr, /does not exist/);
    const after = (await lab.admin.call<{ registration_tokens: unknown[] }>('GET', '/_synapse/admin/v1/registration_tokens')).registration_tokens.length;
    assert.equal(after, before);
  });

  it('users list/show/whois see a user as synadm does', async () => {
    const u = await makeUser(name('carol'));
    await u.client.request('GET', '/_matrix/client/v3/account/whoami');
    const list = await mxJson<{ users: { name: string; displayname: string | null }[]; total: number }>(['users', 'list', '--name', name('carol')]);
    assert.deepEqual(list.users.map((x) => x.name), [u.id]);
    const shown = await mxJson<{ name: string; displayname: string; deactivated: boolean }>(['users', 'show', u.id]);
    assert.equal(shown.displayname, name('carol'));
    assert.equal(shown.deactivated, false);
    const bare = await mxJson<{ name: string }>(['users', 'show', name('carol')]);
    assert.equal(bare.name, u.id, 'a bare local name is completed with the server name');
    const viaSynadm = await synadm.json<{ name: string; displayname: string; admin: boolean }>(['user', 'details', u.id]);
    assert.equal(viaSynadm.displayname, shown.displayname);
    const whois = await mxJson<{ user_id: string; devices: Record<string, unknown> }>(['users', 'whois', u.id]);
    assert.equal(whois.user_id, u.id);
    assert.ok(Object.keys(whois.devices).length >= 1);
    const all = await mxJson<{ users: unknown[]; total: number }>(['users', 'list']);
    assert.equal(all.users.length, all.total, 'every page walked');
  });

  it('users deactivate: asks, dry-runs, then the user can no longer log in', async () => {
    const u = await makeUser(name('dave'));
    const login = () => MatrixUser.login(matrix, lab.publicHttp, u.id, u.password);
    await login();
    const refused = await mx(['users', 'deactivate', u.id]);
    assert.equal(refused.code, 2, 'a script without --yes is refused');
    const dry = await mx(['users', 'deactivate', u.id, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Dry run: nothing was changed/);
    // NOTE: logins are few on purpose: Synapse's rc_login allows a burst of 5 per address.
    assert.equal((await lab.admin.call<{ deactivated: boolean }>('GET', `/_synapse/admin/v2/users/${enc(u.id)}`)).deactivated, false);
    const r = await mxJson<{ userId: string; erased: boolean }>(['users', 'deactivate', u.id, '--erase', '--yes']);
    assert.equal(r.erased, true);
    await assert.rejects(login(), /HTTP 403/);
    const details = await lab.admin.call<{ deactivated: boolean; erased: boolean }>('GET', `/_synapse/admin/v2/users/${enc(u.id)}`);
    assert.deepEqual([details.deactivated, details.erased], [true, true]);
    const again = await mx(['users', 'deactivate', u.id, '--yes']);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already deactivated/);
  });

  it('users deactivate: bad ids, unknown and remote users, our own admin: clear errors', async () => {
    const cases: [string[], number, RegExp][] = [
      [['users', 'deactivate', '@bad id:x', '--yes'], 2, /not a user id/],
      [['users', 'deactivate', '@nobody-here:' + server, '--yes'], 12, /does not exist/],
      [['users', 'deactivate', '@someone:other.example', '--yes'], 2, /not a user of this server/],
      [['users', 'deactivate', '@admin:' + server, '--yes'], 2, /own admin account/],
      [['users', 'show', 'not a user'], 2, /not a user id/],
    ];
    for (const [args, code, msg] of cases) {
      const r = await mx(args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
    const admin = await lab.admin.call<{ deactivated: boolean }>('GET', `/_synapse/admin/v2/users/${enc('@admin:' + server)}`);
    assert.equal(admin.deactivated, false);
  });

  it('users shadow-ban and suspend change the server state, and back', async () => {
    const u = await makeUser(name('erin'));
    const get = () => lab.admin.call<{ shadow_banned: boolean; suspended: boolean }>('GET', `/_synapse/admin/v2/users/${enc(u.id)}`);
    assert.equal((await mx(['users', 'shadow-ban', u.id, '--yes'])).code, 0);
    assert.equal((await get()).shadow_banned, true);
    assert.equal((await mx(['users', 'unshadow-ban', u.id])).code, 0);
    assert.equal((await get()).shadow_banned, false);
    assert.equal((await mx(['users', 'suspend', u.id, '--yes'])).code, 0);
    assert.equal((await get()).suspended, true);
    const room = await makeUser(name('erinfriend'));
    const roomId = await room.client.createRoom('suspension test');
    await joinRoom(u.client, roomId, room.client, u.id).then(
      () => assert.fail('a suspended user cannot join'),
      () => undefined,
    );
    assert.equal((await mx(['users', 'unsuspend', u.id])).code, 0);
    assert.equal((await get()).suspended, false);
  });

  it('rooms list: every page, order, search, limit; the same rooms synadm lists', async () => {
    const owner = await makeUser(name('frank'));
    const member = await makeUser(name('grace'));
    const ids: string[] = [];
    for (const n of ['alpha', 'bravo', 'charlie', 'delta', 'echo']) ids.push(await owner.client.createRoom(`${name('list')}-${n}`));
    await joinRoom(member.client, ids[4] ?? '', owner.client, member.id);
    // NOTE: Synapse updates room statistics (joined_members) asynchronously after a join.
    for (let i = 0; i < 50; i++) {
      const r = await lab.admin.call<{ joined_members: number }>('GET', `/_synapse/admin/v1/rooms/${enc(ids[4] ?? '')}`);
      if (r.joined_members === 2) break;
      await sleep(200);
    }

    const all = await mxJson<RoomList>(['rooms', 'list']);
    assert.equal(all.rooms.length, all.total);
    for (const id of ids) assert.ok(all.rooms.some((r) => r.room_id === id), id);
    // small pages: the walk still returns every room exactly once
    const paged = await mxJson<RoomList>(['rooms', 'list', '--page-size', '2']);
    assert.deepEqual(paged.rooms.map((r) => r.room_id).sort(), all.rooms.map((r) => r.room_id).sort());

    const search = await mxJson<RoomList>(['rooms', 'list', '--search', name('list'), '--order-by', 'name']);
    assert.deepEqual(search.rooms.map((r) => r.name), ['alpha', 'bravo', 'charlie', 'delta', 'echo'].map((n) => `${name('list')}-${n}`));
    const byMembers = await mxJson<RoomList>(['rooms', 'list', '--search', name('list'), '--order-by', 'joined_members', '--limit', '1']);
    assert.equal(byMembers.rooms.length, 1);
    assert.equal(byMembers.rooms[0]?.room_id, ids[4]);
    assert.equal(byMembers.rooms[0]?.joined_members, 2);
    assert.equal(byMembers.total, 5);

    const text = await mx(['rooms', 'list', '--search', name('list')]);
    assert.match(text.stdout, /ROOM ID\s+NAME\s+MEMBERS/);
    assert.match(text.stdout, new RegExp(`${name('list')}-echo\\s+2`));

    const viaSynadm = await synadm.json<{ rooms: { room_id: string; name: string; joined_members: number }[]; total_rooms: number }>(['room', 'list', '-l', '10000']);
    assert.equal(viaSynadm.total_rooms, all.total);
    assert.deepEqual(
      viaSynadm.rooms.map((r) => `${r.room_id} ${r.joined_members}`).sort(),
      all.rooms.map((r) => `${r.room_id} ${r.joined_members}`).sort(),
    );

    const bad = await mx(['rooms', 'list', '--order-by', 'size_of_moon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--order-by/);
  });

  it('rooms show/members/state/block/delete act on the server', async () => {
    const owner = await makeUser(name('heidi'));
    const member = await makeUser(name('ivan'));
    const roomId = await owner.client.createRoom(name('doomed'));
    await joinRoom(member.client, roomId, owner.client, member.id);
    const shown = await mxJson<{ room_id: string; name: string; joined_members: number }>(['rooms', 'show', roomId]);
    assert.deepEqual([shown.name, shown.joined_members], [name('doomed'), 2]);
    const members = await mxJson<{ members: string[] }>(['rooms', 'members', roomId]);
    assert.deepEqual(members.members.sort(), [owner.id, member.id].sort());
    const pl = await mxJson<{ state: StateEvent[] }>(['rooms', 'state', roomId, '--type', 'm.room.power_levels']);
    assert.equal(pl.state.length, 1);
    assert.equal((pl.state[0]?.content['users'] as Record<string, number>)[owner.id], 100);

    assert.equal((await mx(['rooms', 'block', roomId, '--yes'])).code, 0);
    assert.equal((await lab.admin.call<{ block: boolean }>('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/block`)).block, true);
    assert.equal((await mx(['rooms', 'unblock', roomId])).code, 0);
    assert.equal((await lab.admin.call<{ block: boolean }>('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/block`)).block, false);

    const dry = await mxJson<{ planned: unknown[] }>(['rooms', 'delete', roomId, '--dry-run']);
    assert.equal(dry.planned.length, 1);
    assert.equal((await lab.admin.call<{ members: string[] }>('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/members`)).members.length, 2);
    const del = await mxJson<{ status: string; kickedUsers: string[] }>(['rooms', 'delete', roomId, '--block', '--yes']);
    assert.equal(del.status, 'complete');
    assert.deepEqual(del.kickedUsers.sort(), [owner.id, member.id].sort());
    await assert.rejects(lab.admin.call('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}`), /M_NOT_FOUND/);
    assert.equal((await lab.admin.call<{ block: boolean }>('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/block`)).block, true);
    const post = await owner.client.request('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/t1`, { msgtype: 'm.text', body: 'still here?' });
    assert.equal(post.status, 403);

    const unknown = await mx(['rooms', 'show', `!doesnotexist:${server}`]);
    assert.equal(unknown.code, 12);
    const malformed = await mx(['rooms', 'members', 'general']);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /neither a room id nor a room alias/);
  });

  it('purge-history removes the old events and keeps the new', async () => {
    const u = await makeUser(name('judy'));
    const rooms = [await u.client.createRoom(name('history')), await u.client.createRoom(name('history-kept')), await u.client.createRoom(name('history-all'))];
    const old: string[][] = [[], [], []];
    for (const [i, roomId] of rooms.entries()) for (const n of [1, 2, 3]) old[i]?.push(await u.client.send(roomId, `old ${n}`));
    await sleep(1500);
    const cutoff = new Date().toISOString();
    await sleep(1500);
    for (const roomId of rooms) for (const n of [1, 2]) await u.client.send(roomId, `new ${n}`);
    const [roomId = '', keptId = ''] = rooms;
    const [oldIds = [], keptOldIds = []] = old;
    assert.deepEqual((await u.client.messages(roomId)).sort(), ['new 1', 'new 2', 'old 1', 'old 2', 'old 3']);
    const fetch = (room: string, id: string) => u.client.request('GET', `/_matrix/client/v3/rooms/${enc(room)}/event/${enc(id)}`);

    const future = await mx(['purge-history', roomId, '--before', new Date(Date.now() + 86_400_000).toISOString(), '--yes']);
    assert.equal(future.code, 2);
    assert.match(future.stderr, /in the future/);
    const dry = await mx(['purge-history', roomId, '--before', cutoff, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal((await u.client.messages(roomId)).length, 5, 'nothing changed by a refused or dry run');

    const r = await mxJson<PurgeHistoryReport>(['purge-history', roomId, '--before', cutoff, '--yes']);
    assert.equal(r.status, 'complete');
    assert.equal(r.deleteLocalEvents, true);
    assert.deepEqual((await u.client.messages(roomId)).sort(), ['new 1', 'new 2']);
    for (const id of oldIds) assert.equal((await fetch(roomId, id)).status, 404, 'old events are gone from the database');

    // --keep-local: the local events stay in the database (fetchable by id)
    const kept = await mxJson<PurgeHistoryReport>(['purge-history', keptId, '--before', cutoff, '--keep-local', '--yes']);
    assert.equal(kept.status, 'complete');
    assert.equal(kept.deleteLocalEvents, false);
    // NOTE: Synapse marks kept events before the cut-off as outliers (clients can no longer fetch them), so ask the database.
    const inDb = async (ids: readonly string[]) => Number((await sql(`SELECT count(*) FROM events WHERE event_id IN (${ids.map((i) => `'${i}'`).join(',')})`)).trim());
    assert.equal(await inDb(keptOldIds), 3, 'local events kept in the database');
    assert.equal(await inDb(oldIds), 0, 'purged events are gone from the database');

    const older = await mx(['purge-history', roomId, '--older-than', '90d', '--yes']);
    assert.equal(older.code, 0, older.stderr);
    assert.deepEqual((await u.client.messages(roomId)).sort(), ['new 1', 'new 2']);

    // the retention sweep: every room, the same cut-off
    const sweep = await mxJson<{ rooms: PurgeHistoryReport[]; failed: unknown[] }>(['purge-history', '--all', '--before', cutoff, '--yes']);
    assert.deepEqual(sweep.failed, []);
    const allId = rooms[2] ?? '';
    assert.equal(sweep.rooms.find((x) => x.roomId === allId)?.status, 'complete');
    assert.ok(sweep.rooms.length >= 3);
    // NOTE: Synapse purges up to the room's last event before the cut-off, which it may keep
    // (topological ordering "<", not "<="): the newest old message can survive.
    const left = await u.client.messages(allId);
    assert.ok(left.includes('new 1') && left.includes('new 2') && !left.includes('old 1') && !left.includes('old 2'), JSON.stringify(left));
    assert.equal(await inDb((old[2] ?? []).slice(0, 2)), 0);
    assert.equal((await mx(['purge-history', roomId, '--all', '--older-than', '1d', '--yes'])).code, 2, 'a room and --all');

    for (const [args, code] of [
      [['purge-history', `!nope:${server}`, '--older-than', '1d', '--yes'], 12],
      [['purge-history', 'nope', '--older-than', '1d', '--yes'], 2],
      [['purge-history', roomId, '--older-than', '90', '--yes'], 2],
      [['purge-history', roomId, '--yes'], 2],
    ] as const) {
      const x = await mx(args);
      assert.equal(x.code, code, `${args.join(' ')}: ${x.stderr}`);
    }
  });

  it('abuse quarantine: power -1 in every room (full power levels kept), media quarantined, user cannot post', async () => {
    const good = await makeUser(name('kate'));
    const bad = await makeUser(name('mallory'));
    const rooms = [await good.client.createRoom(name('q1')), await good.client.createRoom(name('q2'))];
    for (const r of rooms) await joinRoom(bad.client, r, good.client, bad.id);
    const spam = await bad.client.request('PUT', `/_matrix/client/v3/rooms/${enc(rooms[0] ?? '')}/send/m.room.message/m0`, { msgtype: 'm.text', body: 'spam' });
    assert.equal(spam.status, 200);
    const upload = await bad.client.request('POST', '/_matrix/media/v3/upload?filename=spam.json', { spam: run });
    assert.equal(upload.status, 200, JSON.stringify(upload.json));
    const before = await Promise.all(rooms.map((r) => state<Record<string, unknown>>(r, 'm.room.power_levels')));

    const partial = await mx(['abuse', 'quarantine', bad.id, '--yes', '--keep-media', '--json']);
    assert.equal(partial.code, 1, 'rooms left unchanged: exit 1');
    const noTakeOver = JSON.parse(partial.stdout) as QuarantineReport;
    assert.equal(noTakeOver.complete, false);
    assert.ok(noTakeOver.rooms.every((r) => r.result === 'skipped' && /--take-over/.test(r.detail)));

    const dry = await mxJson<QuarantineReport & { planned: { action: string }[] }>(['abuse', 'quarantine', bad.id, '--take-over', '--dry-run']);
    assert.ok(dry.rooms.every((r) => r.result === 'changed'), JSON.stringify(dry.rooms));
    assert.ok(dry.planned.some((p) => p.action.startsWith('send m.room.power_levels')));
    assert.deepEqual(await Promise.all(rooms.map((r) => state(r, 'm.room.power_levels'))), before, 'a dry run changes nothing');

    const r = await lab.mxctl(['abuse', 'quarantine', bad.id, '--take-over', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as QuarantineReport;
    assert.equal(report.complete, true);
    assert.deepEqual(report.rooms.map((x) => x.roomId).sort(), [...rooms].sort());
    for (const [i, roomId] of rooms.entries()) {
      const after = await state<{ users: Record<string, number> }>(roomId, 'm.room.power_levels');
      assert.equal(after?.users[bad.id], -1);
      const { users: beforeUsers, ...beforeRest } = before[i] as { users: Record<string, number> };
      const { users: afterUsers, ...afterRest } = after;
      assert.deepEqual(afterRest, beforeRest, 'every other power-level key kept');
      assert.equal(afterUsers[good.id], beforeUsers[good.id]);
      const send = await bad.client.request('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/after${i}`, { msgtype: 'm.text', body: 'more spam' });
      assert.equal(send.status, 403, 'quarantined user cannot post');
      await good.client.send(roomId, 'the others still can');
    }
    assert.ok((report.mediaQuarantined ?? 0) >= 1);
    const media = await lab.admin.call<{ media: { quarantined_by: string | null }[] }>('GET', `/_synapse/admin/v1/users/${enc(bad.id)}/media`);
    assert.ok(media.media.length === 1 && media.media.every((m) => m.quarantined_by !== null), JSON.stringify(media));
    const again = await mxJson<QuarantineReport>(['abuse', 'quarantine', bad.id, '--yes', '--keep-media']);
    assert.ok(again.rooms.every((x) => x.result === 'unchanged'), 'idempotent');

    const deact = await mxJson<QuarantineReport>(['abuse', 'quarantine', bad.id, '--yes', '--deactivate']);
    assert.equal(deact.deactivated, true);
    assert.equal((await lab.admin.call<{ deactivated: boolean }>('GET', `/_synapse/admin/v2/users/${enc(bad.id)}`)).deactivated, true);
  });

  it('federation block: every local room\'s ACL denies the server with allow * intact; unblock removes it', async () => {
    const owner = await makeUser(name('niaj'));
    await owner.client.createRoom(name('fed'));
    const refuse = await mx(['federation', 'block', server, '--yes']);
    assert.equal(refuse.code, 2);
    assert.match(refuse.stderr, /own name/);
    const glob = await mx(['federation', 'block', '*', '--yes']);
    assert.equal(glob.code, 2);

    const r = await mxJson<ServerAclReport>(['federation', 'block', 'spam.example', '--take-over', '--yes']);
    assert.equal(r.complete, true, JSON.stringify(r.rooms.filter((x) => x.result !== 'changed')));
    const local = (await mxJson<RoomList>(['rooms', 'list'])).rooms.filter((x) => x.joined_local_members > 0);
    assert.ok(local.length >= 2);
    for (const room of local) {
      const acl = await state<{ allow: string[]; deny: string[] }>(room.room_id, 'm.room.server_acl');
      assert.deepEqual(acl?.allow, ['*'], room.room_id);
      assert.ok(acl?.deny.includes('spam.example'), room.room_id);
    }
    // our own users can still talk in a room carrying the ACL
    const probe = local.find((x) => x.creator === owner.id);
    if (probe !== undefined) await owner.client.send(probe.room_id, 'still federating with ourselves');

    const again = await mxJson<ServerAclReport>(['federation', 'block', 'spam.example', '--yes']);
    assert.ok(again.rooms.every((x) => x.result === 'unchanged'));
    const un = await mxJson<ServerAclReport>(['federation', 'unblock', 'spam.example', '--yes']);
    assert.equal(un.complete, true);
    for (const room of local) {
      const acl = await state<{ allow: string[]; deny: string[] }>(room.room_id, 'm.room.server_acl');
      assert.deepEqual([acl?.allow, acl?.deny.includes('spam.example')], [['*'], false]);
    }
  });

  it('users create/modify/reset-password: the password comes from a file or is generated, never argv', async () => {
    const local = name('peggy');
    const id = `@${local}:${server}`;
    const pwFile = join(lab.dir, 'state', `${local}.pw`);
    await writeFile(pwFile, 'first-secret-pw\n', { mode: 0o600 });
    try {
      const created = await mxJson<{ userId: string; password?: string }>(['users', 'create', local, '--password-file', pwFile, '--displayname', 'Peggy']);
      assert.equal(created.userId, id);
      assert.equal(created.password, undefined, 'a password from a file is not echoed');
      const session = await MatrixUser.login(matrix, lab.publicHttp, id, 'first-secret-pw');
      const dup = await mx(['users', 'create', local, '--password-file', pwFile]);
      assert.equal(dup.code, 2);
      assert.match(dup.stderr, /already exists/);

      await mxJson(['users', 'modify', id, '--displayname', 'Peggy Two', '--admin']);
      let u = await lab.admin.call<{ displayname: string; admin: boolean; locked: boolean }>('GET', `/_synapse/admin/v2/users/${enc(id)}`);
      assert.deepEqual([u.displayname, u.admin], ['Peggy Two', true]);
      await mxJson(['users', 'modify', id, '--no-admin', '--lock']);
      u = await lab.admin.call('GET', `/_synapse/admin/v2/users/${enc(id)}`);
      assert.deepEqual([u.admin, u.locked], [false, true]);
      await mxJson(['users', 'modify', id, '--unlock']);
      const selfDemote = await mx(['users', 'modify', `@admin:${server}`, '--no-admin']);
      assert.equal(selfDemote.code, 2);

      const reset = await mxJson<{ password: string }>(['users', 'reset-password', id, '--yes']);
      assert.ok(reset.password.length >= 20);
      assert.equal((await session.request('GET', '/_matrix/client/v3/account/whoami')).status, 401, 'the reset logged out the old session');
      await MatrixUser.login(matrix, lab.publicHttp, id, reset.password);
      const viaSynadm = await synadm.json<{ displayname: string; admin: boolean }>(['user', 'details', id]);
      assert.deepEqual([viaSynadm.displayname, Boolean(viaSynadm.admin)], ['Peggy Two', false]);
    } finally {
      await rm(pwFile, { force: true });
    }
  });

  it('media list/quarantine/delete and purge-remote act on the media store', async () => {
    const u = await makeUser(name('rupert'));
    const uris: string[] = [];
    for (const n of [1, 2]) {
      const up = await u.client.request('POST', `/_matrix/media/v3/upload?filename=f${n}.json`, { file: n, run });
      assert.equal(up.status, 200);
      uris.push(up.json['content_uri'] as string);
    }
    const list = await mxJson<{ media: { mxc: string; quarantined_by: string | null }[]; total: number }>(['media', 'list', u.id]);
    assert.deepEqual(list.media.map((m) => m.mxc).sort(), [...uris].sort());
    const [first = '', second = ''] = uris;
    assert.equal((await mx(['media', 'quarantine', first, '--yes'])).code, 0);
    const after = await mxJson<{ media: { mxc: string; quarantined_by: string | null }[] }>(['media', 'list', u.id]);
    assert.ok(after.media.find((m) => m.mxc === first)?.quarantined_by !== null);
    assert.equal(after.media.find((m) => m.mxc === second)?.quarantined_by, null);

    const dry = await mx(['media', 'delete', second, '--dry-run']);
    assert.equal(dry.code, 0);
    assert.equal((await mxJson<{ total: number }>(['media', 'list', u.id])).total, 2);
    const del = await mxJson<{ deleted: number }>(['media', 'delete', second, '--yes']);
    assert.equal(del.deleted, 1);
    assert.deepEqual((await mxJson<{ media: { mxc: string }[] }>(['media', 'list', u.id])).media.map((m) => m.mxc), [first]);

    const remote = await mxJson<{ deleted: number }>(['media', 'purge-remote', '--older-than', '30d', '--yes']);
    assert.equal(remote.deleted, 0, 'the lab has no remote media');
    for (const [args, code] of [
      [['media', 'delete', 'mxc://other.example/abc', '--yes'], 2],
      [['media', 'delete', 'http://x/y', '--yes'], 2],
      [['media', 'delete', `mxc://${server}/doesnotexist`, '--yes'], 12],
      [['media', 'purge-remote', '--older-than', 'soon', '--yes'], 2],
    ] as const) {
      const x = await mx(args);
      assert.equal(x.code, code, `${args.join(' ')}: ${x.stderr}`);
    }
  });

  it('reports list/show/resolve; federation destinations and background updates', async () => {
    const spammer = await makeUser(name('sybil'));
    const victim = await makeUser(name('trent'));
    const roomId = await victim.client.createRoom(name('reported'));
    await joinRoom(spammer.client, roomId, victim.client, spammer.id);
    const eventId = await spammer.client.send(roomId, 'buy cheap pills');
    const rep = await victim.client.request('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/report/${enc(eventId)}`, { reason: 'spam', score: -100 });
    assert.equal(rep.status, 200, JSON.stringify(rep.json));

    const list = await mxJson<{ reports: { id: number; event_id: string; reason: string }[] }>(['reports', 'list', '--room', roomId]);
    assert.equal(list.reports.length, 1);
    const report = list.reports[0];
    assert.equal(report?.event_id, eventId);
    const shown = await mxJson<{ event_json: { content: { body: string } } }>(['reports', 'show', String(report?.id)]);
    assert.equal(shown.event_json.content.body, 'buy cheap pills');
    assert.equal((await mx(['reports', 'resolve', String(report?.id), '--yes'])).code, 0);
    assert.equal((await mxJson<{ reports: unknown[] }>(['reports', 'list', '--room', roomId])).reports.length, 0);
    assert.equal((await mx(['reports', 'show', 'abc'])).code, 2);
    assert.equal((await mx(['reports', 'show', '999999'])).code, 12);

    const dest = await mxJson<{ destinations: unknown[]; total: number }>(['federation', 'destinations']);
    assert.equal(dest.total, dest.destinations.length);
    const reset = await mx(['federation', 'reset', 'never-contacted.example']);
    assert.equal(reset.code, 12);

    const bg = await mxJson<{ enabled: boolean; current_updates: Record<string, unknown> }>(['background-updates']);
    assert.equal(bg.enabled, true);
  });

  it('federation allowlist: Synapse refuses unlisted servers after the restart, clear lifts it; hand comments and init re-runs keep it', async () => {
    const envFile = join(lab.dir, '.env');
    const hsFile = join(lab.dir, 'synapse', 'homeserver.yaml');
    const files = async () => [await readFile(envFile, 'utf8'), await readFile(hsFile, 'utf8')];
    const u = await makeUser(name('ferdinand'));
    // NOTE: the probe is a profile lookup on another server: Synapse answers it from federation,
    // and refuses an unlisted server with 403 "Federation denied with X." before any network call
    // (a join of #room:X is refused too, but reported as 502 "Failed to fetch alias"). Every name
    // here is loopback, and Synapse's default ip_range_blacklist stops it connecting even to those.
    const probe = async (server: string) => u.client.request('GET', `/_matrix/client/v3/profile/${enc(`@someone:${server}`)}`);
    const friend = '127.0.0.1:9';
    const stranger = '127.0.0.1:1';
    assert.deepEqual(await mxJson(['federation', 'allowlist']), { serverName: server, federation: 'open', allowlist: [], homeserver: null, inSync: true });
    const openProbe = await probe(stranger);
    assert.notEqual(openProbe.status, 403, JSON.stringify(openProbe.json));

    // An admin's hand edit: a comment, and (as in a deployment written before the template had
    // it) no server_notices section, so a notice is refused with a clear error until init adds it.
    const [, hs0 = ''] = await files();
    const handNote = '# hand note: ask the board before opening registration';
    const edited = hs0.replace('enable_registration: true\n', `${handNote}\nenable_registration: true\n`).replace(/\n# Server notices[^]*?auto_join: true\n/, '');
    assert.ok(!edited.includes('server_notices') && edited.includes(handNote));
    await writeFile(hsFile, edited);
    let restored = false;
    try {
      const unchanged = await files();
      for (const [args, code] of [
        [['add', 'bad name', 'ok.example'], 2],
        [['add', server], 2],
        [['remove', friend], 12],
        [['add', friend], 2], // no terminal and no --yes
        [['add', friend, '--dry-run'], 0],
      ] as const) {
        const r = await mx(['federation', 'allowlist', ...args]);
        assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
        assert.deepEqual(await files(), unchanged, `${args.join(' ')} changed nothing`);
      }
      const dry = await mx(['federation', 'allowlist', 'add', friend, '--dry-run']);
      assert.match(dry.stderr, /\+federation_domain_whitelist:/);
      assert.ok(!dry.stderr.includes(lab.settings.POSTGRES_PASSWORD), 'the diff is redacted');

      const added = await mxJson<{ allowlist: string[]; restarted: boolean; files: string[] }>(['federation', 'allowlist', 'add', friend, '--yes', '--restart']);
      assert.deepEqual([added.allowlist, added.restarted, added.files], [[friend], true, ['.env', 'synapse/homeserver.yaml']]);
      const [env1 = '', hs1 = ''] = await files();
      assert.match(env1, new RegExp(`^MX_FEDERATION_ALLOWLIST=${friend}$`, 'm'));
      assert.ok(hs1.includes(handNote), 'the hand comment survives');
      assert.equal(hs1, `${edited}\n# Federation allowlist: Synapse federates only with these servers (this one is always listed).\n# Managed by \`mxctl federation allowlist\` from MX_FEDERATION_ALLOWLIST in .env; absent = everyone.\nfederation_domain_whitelist:\n  - "${server}"\n  - "${friend}"\n`, 'only the key was added');
      const denied = await probe(stranger);
      assert.deepEqual([denied.status, denied.json['error']], [403, `Federation denied with ${stranger}.`]);
      const allowed = await probe(friend);
      assert.notEqual(allowed.status, 403, `a listed server is tried: ${JSON.stringify(allowed.json)}`);
      const notice = await mx(['notice', 'send', u.id, 'maintenance tonight']);
      assert.equal(notice.code, 3, notice.stderr);
      assert.match(notice.stderr, /server_notices/);

      // A re-run of init re-renders homeserver.yaml from the template: the allowlist stays (from
      // .env), the missing server_notices section comes back, the hand comment goes (init's diff said so).
      const reinit = await mx(['init', '--domain', server, '--yes']);
      assert.equal(reinit.code, 0, reinit.stderr);
      const [env2 = '', hs2 = ''] = await files();
      assert.equal(env2, env1);
      assert.match(hs2, new RegExp(`federation_domain_whitelist:\\n  - "${server}"\\n  - "${friend}"\\n`));
      assert.match(hs2, /server_notices:/);
      assert.deepEqual(await mxJson(['federation', 'allowlist']), { serverName: server, federation: 'allowlist', allowlist: [friend], homeserver: [server, friend], inSync: true });

      const removeLast = await mx(['federation', 'allowlist', 'remove', friend, '--yes']);
      assert.equal(removeLast.code, 2, 'emptying the list by remove is refused: clear says it');
      assert.match(removeLast.stderr, /allowlist clear/);
      const cleared = await mxJson<{ allowlist: string[]; restarted: boolean }>(['federation', 'allowlist', 'clear', '--yes', '--restart']);
      assert.deepEqual([cleared.allowlist, cleared.restarted], [[], true]);
      restored = true;
      assert.ok(!(await readFile(hsFile, 'utf8')).includes('federation_domain_whitelist'));
      assert.match(await readFile(envFile, 'utf8'), /^MX_FEDERATION_ALLOWLIST=$/m);
      const reopened = await probe(stranger);
      assert.notEqual(reopened.status, 403, `no refusal after clear: ${JSON.stringify(reopened.json)}`);
      assert.notEqual(reopened.json['error'], `Federation denied with ${stranger}.`);
    } finally {
      if (!restored) {
        await mx(['federation', 'allowlist', 'clear', '--yes', '--no-restart']);
        await mx(['init', '--domain', server, '--yes']);
        await mx(['restart', 'synapse']);
      }
    }
  });

  it('notice send: the user finds the notice in their Server Notices room', async () => {
    const u = await makeUser(name('nora'));
    const text = `maintenance tonight ${run}`;
    const sent = await mxJson<{ userId: string; eventId: string }>(['notice', 'send', u.id, text]);
    assert.equal(sent.userId, u.id);
    // auto_join: the user is already in the room, which carries the m.server_notice tag.
    const joined = await u.client.request('GET', '/_matrix/client/v3/joined_rooms');
    assert.equal(joined.status, 200);
    const rooms = joined.json['joined_rooms'] as string[];
    let noticeRoom: string | undefined;
    for (const roomId of rooms) {
      const tags = await u.client.request('GET', `/_matrix/client/v3/user/${enc(u.id)}/rooms/${enc(roomId)}/tags`);
      if ((tags.json['tags'] as Record<string, unknown> | undefined)?.['m.server_notice'] !== undefined) noticeRoom = roomId;
    }
    assert.ok(noticeRoom, `a room tagged m.server_notice among ${rooms.join(', ')}`);
    assert.deepEqual(await u.client.messages(noticeRoom), [text]);
    const ev = await u.client.request('GET', `/_matrix/client/v3/rooms/${enc(noticeRoom)}/event/${enc(sent.eventId)}`);
    assert.equal(ev.json['sender'], `@notices:${server}`);
    const roomName = await u.client.request('GET', `/_matrix/client/v3/rooms/${enc(noticeRoom)}/state/m.room.name/`);
    assert.equal(roomName.json['name'], 'Server Notices');

    const dry = await mxJson<{ planned: unknown[] }>(['notice', 'send', u.id, 'not sent', '--dry-run']);
    assert.equal(dry.planned.length, 1);
    assert.deepEqual(await u.client.messages(noticeRoom), [text], 'a dry run sends nothing');
    for (const [args, code] of [
      [['notice', 'send', '@nobody:bad host', 'x'], 2],
      [['notice', 'send', u.id, '  '], 2],
      [['notice', 'send', `@ghost${run}:${server}`, 'x'], 12],
    ] as const) {
      const r = await mx(args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    }
  });

  it('a non-admin token, an expired token and a stopped Synapse: clear errors, nothing changed', async () => {
    const statePath = adminStatePath(lab.dir);
    const saved = await readFile(statePath, 'utf8');
    const plain = await makeUser(name('oscar'));
    try {
      const st = JSON.parse(saved) as { access_token: string };
      await writeFile(statePath, JSON.stringify({ ...JSON.parse(saved), access_token: plain.client.accessToken }), { mode: 0o600 });
      const notAdmin = await mx(['rooms', 'list']);
      assert.equal(notAdmin.code, 5);
      assert.match(notAdmin.stderr, /not a server admin/);
      assert.ok(!notAdmin.stderr.includes(plain.client.accessToken ?? '???'), 'no token in the error');
      const del = await mx(['users', 'deactivate', plain.id, '--yes']);
      assert.equal(del.code, 5);
      await writeFile(statePath, JSON.stringify({ ...JSON.parse(saved), access_token: 'syt_expired_or_revoked' }), { mode: 0o600 });
      const revoked = await mx(['tokens', 'list']);
      assert.equal(revoked.code, 5);
      assert.match(revoked.stderr, /mxctl admin init/);
      assert.ok(!revoked.stderr.includes('syt_expired_or_revoked') && !revoked.stderr.includes(st.access_token));
    } finally {
      await writeFile(statePath, saved, { mode: 0o600 });
    }
    assert.equal((await lab.admin.call<{ deactivated: boolean }>('GET', `/_synapse/admin/v2/users/${enc(plain.id)}`)).deactivated, false);

    // Synapse down: the compose service stopped for real, then brought back by mxctl up.
    await createCompose(join(lab.dir, 'compose')).stop(['synapse']);
    try {
      const down = await mx(['users', 'deactivate', plain.id, '--yes']);
      assert.equal(down.code, 5);
      assert.match(down.stderr, /did not answer: connection refused/);
      assert.match(down.stderr, /mxctl status/);
    } finally {
      const up = await lab.mxctl(['up']);
      assert.equal(up.code, 0, up.stderr);
    }
    assert.equal((await lab.admin.call<{ deactivated: boolean }>('GET', `/_synapse/admin/v2/users/${enc(plain.id)}`)).deactivated, false);
  });
});
