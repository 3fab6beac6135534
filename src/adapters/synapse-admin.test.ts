// Fault injection for what the lab's Synapse cannot be made to do: run under Matrix
// Authentication Service, rate-limit on cue, page a list forever. A tiny HTTP server answers as
// Synapse would.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SynapseClient } from './synapse.ts';
import { SynapseAdminReads } from './synapse-admin-reads.ts';
import { SynapseAdminWrites } from './synapse-admin-writes.ts';
import type { Listing } from './paginate.ts';
import { SimulatedAdminWrites } from './synapse-admin-simulated.ts';
import { isMxError } from '../core/errors.ts';

type Route = (method: string, path: string) => { status: number; body: unknown } | undefined;

const servers: Server[] = [];
async function fakeSynapse(
  route: Route,
): Promise<{ reads: SynapseAdminReads; writes: SynapseAdminWrites; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    hits.push(`${req.method} ${path}`);
    const r = route(req.method ?? 'GET', path) ?? {
      status: 404,
      body: { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' },
    };
    res.writeHead(r.status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(r.body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new SynapseClient({ baseUrl: `http://127.0.0.1:${port}`, accessToken: 'syt_secret_token_value' });
  return { reads: new SynapseAdminReads(client), writes: new SynapseAdminWrites(client), hits };
}

describe('SynapseAdmin against a fault-injecting fake', () => {
  after(() => {
    for (const s of servers) s.close();
  });

  it('says "managed by MAS" when Synapse runs under Matrix Authentication Service', async () => {
    const { reads, writes } = await fakeSynapse((_m, path) =>
      path === '/_matrix/client/v1/auth_metadata'
        ? { status: 200, body: { issuer: 'https://auth.example/' } }
        : undefined,
    );
    await assert.rejects(
      reads.listTokens(),
      (e) => isMxError(e, 'E_MAS_ENABLED') && /Matrix Authentication Service/.test(e.message),
    );
    await assert.rejects(writes.createToken({}), (e) => isMxError(e, 'E_MAS_ENABLED'));
    await assert.rejects(writes.resetPassword('@a:hs', 'pw', true), (e) => isMxError(e, 'E_MAS_ENABLED'));
    await assert.rejects(writes.setAdmin('@a:hs', true), (e) => isMxError(e, 'E_MAS_ENABLED'));
    assert.equal(await reads.isMasEnabled(), true);
  });

  it('without MAS, an unrecognised endpoint stays an API error', async () => {
    const { reads } = await fakeSynapse(() => undefined);
    assert.equal(await reads.isMasEnabled(), false);
    await assert.rejects(reads.listTokens(), (e) => isMxError(e, 'E_SYNAPSE_API'));
  });

  it('a 401 names the fix and never the token', async () => {
    const { reads } = await fakeSynapse(() => ({
      status: 401,
      body: { errcode: 'M_UNKNOWN_TOKEN', error: 'Invalid access token passed.' },
    }));
    await assert.rejects(
      reads.getUser('@a:hs'),
      (e) =>
        isMxError(e, 'E_UNAUTHORIZED') &&
        /admin init/.test(e.hint ?? '') &&
        !JSON.stringify([e.message, e.hint, e.detail]).includes('syt_secret'),
    );
  });

  it('backs off and retries a rate-limited write', async () => {
    let calls = 0;
    const { writes } = await fakeSynapse((method) => {
      if (method !== 'PUT') return undefined;
      calls++;
      return calls === 1
        ? { status: 429, body: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: 100 } }
        : { status: 200, body: { event_id: '$ok' } };
    });
    assert.equal(await writes.sendState('!r:hs', 'm.room.server_acl', '', { allow: ['*'] }), '$ok');
    assert.equal(calls, 2);
  });

  it('maps 404 to E_NOT_FOUND naming the object', async () => {
    const { reads } = await fakeSynapse(() => ({
      status: 404,
      body: { errcode: 'M_NOT_FOUND', error: 'Room not found' },
    }));
    await assert.rejects(reads.getRoom('!nope:hs'), (e) => isMxError(e, 'E_NOT_FOUND') && /!nope:hs/.test(e.message));
  });
});

/** Every paged list, each on its own endpoint, answering `page(n, query)` for its n-th request. */
const LISTS: { name: string; path: string; key: string; walk: (r: SynapseAdminReads) => Promise<Listing<unknown>> }[] =
  [
    { name: 'users', path: '/_synapse/admin/v2/users?', key: 'users', walk: (r) => r.listUsers({}, {}) },
    { name: 'rooms', path: '/_synapse/admin/v1/rooms?', key: 'rooms', walk: (r) => r.listRooms({}, {}) },
    {
      name: 'media',
      path: '/_synapse/admin/v1/users/%40a%3Ahs/media?',
      key: 'media',
      walk: (r) => r.userMedia('@a:hs', {}),
    },
    {
      name: 'reports',
      path: '/_synapse/admin/v1/event_reports?',
      key: 'event_reports',
      walk: (r) => r.eventReports({}, {}),
    },
    {
      name: 'destinations',
      path: '/_synapse/admin/v1/federation/destinations?',
      key: 'destinations',
      walk: (r) => r.destinations({}),
    },
  ];

/** A server whose every list answers `page(n, limit)` for its n-th request (rooms: next_batch, the rest: next_token). */
function pagedServer(
  page: (n: number, limit: number) => { items: number; total: number; next: string | number | undefined },
): Route {
  let n = 0;
  return (_method, path) => {
    const list = LISTS.find((l) => path.startsWith(l.path));
    if (list === undefined) return undefined;
    const limit = Number(new URL(path, 'http://x').searchParams.get('limit'));
    const p = page(n++, limit);
    const items = Array.from({ length: p.items }, (_v, i) => ({ id: `${n}-${i}` }));
    const next = list.name === 'rooms' ? { next_batch: p.next } : { next_token: p.next };
    return {
      status: 200,
      body: {
        [list.key]: items,
        [list.name === 'rooms' ? 'total_rooms' : 'total']: p.total,
        ...(p.next === undefined ? {} : next),
      },
    };
  };
}

describe('the page walk against a server that never says "last page"', () => {
  after(() => {
    for (const s of servers) s.close();
  });

  for (const list of LISTS) {
    it(`${list.name}: an empty page that names a next one stops the walk, and says so`, async () => {
      const { reads, hits } = await fakeSynapse(
        pagedServer((n) => ({ items: 0, total: 5, next: list.name === 'rooms' ? n + 1 : `t${n + 1}` })),
      );
      const r = await list.walk(reads);
      assert.deepEqual([r.items.length, r.total, hits.length], [0, 5, 1]);
      assert.match(r.stopped ?? '', /empty page that names a next one; stopped after 0/);
    });

    it(`${list.name}: full pages with a fresh next cursor, forever: the walk stops at the total, and says so`, async () => {
      const { reads, hits } = await fakeSynapse(
        pagedServer((n, limit) => ({
          items: limit,
          total: 1200,
          next: list.name === 'rooms' ? (n + 1) * limit : `t${n + 1}`,
        })),
      );
      const r = await list.walk(reads);
      assert.ok(r.items.length >= 1200 && hits.length <= 3, `${r.items.length} items in ${hits.length} requests`);
      assert.match(r.stopped ?? '', /items it counts and still names a next page/);
    });
  }

  it('the same cursor twice stops the walk, whatever the total claims', async () => {
    const { reads, hits } = await fakeSynapse(
      pagedServer((_n, limit) => ({ items: limit, total: 1e9, next: 'again' })),
    );
    const r = await reads.listUsers({}, {});
    assert.deepEqual([r.items.length, hits.length], [1000, 2]);
    assert.match(r.stopped ?? '', /named the page again a second time/);
  });

  it('a well-behaved server: every page until the last, or up to the limit, with no warning', async () => {
    const { reads, hits } = await fakeSynapse(
      pagedServer((n, limit) => ({
        items: Math.min(limit, 25 - 10 * n),
        total: 25,
        next: n < 2 ? `t${n + 1}` : undefined,
      })),
    );
    const all = await reads.listUsers({}, { pageSize: 10 });
    assert.deepEqual([all.items.length, all.total, all.stopped, hits.length], [25, 25, undefined, 3]);
  });

  it('a limit cuts the walk and asks only for what it needs', async () => {
    const { reads, hits } = await fakeSynapse(
      pagedServer((n, limit) => ({ items: limit, total: 100, next: `t${n + 1}` })),
    );
    const r = await reads.listUsers({}, { pageSize: 10, limit: 15 });
    assert.deepEqual(
      [r.items.length, r.stopped, hits],
      [15, undefined, ['GET /_synapse/admin/v2/users?limit=10', 'GET /_synapse/admin/v2/users?limit=5&from=t1']],
    );
  });
});

describe('the simulated writes (dry run)', () => {
  it('records every intended change and hides passwords', async () => {
    const sim = new SimulatedAdminWrites();
    await sim.deactivateUser('@a:hs', true);
    await sim.sendState('!r:hs', 'm.room.power_levels', '', { users: { '@a:hs': -1 } });
    await sim.putUser('@b:hs', { password: 'hunter2', displayname: 'B' });
    const status = await sim.purgeHistory('!r:hs', { beforeTs: 1, deleteLocalEvents: true });
    assert.equal(status.status, 'simulated');
    assert.deepEqual(
      sim.planned.map((p) => p.action),
      ['deactivate and erase user', 'send m.room.power_levels', 'create or modify user', 'purge history'],
    );
    assert.ok(!JSON.stringify(sim.planned).includes('hunter2'));
  });
});
