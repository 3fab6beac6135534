// Fault injection for what the lab's Synapse cannot be made to do: run under Matrix
// Authentication Service, rate-limit on cue. A tiny HTTP server answers as Synapse would.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SynapseClient } from './synapse.ts';
import { SynapseAdmin } from './synapse-admin.ts';
import { SimulatedAdminWrites } from './synapse-admin-simulated.ts';
import { isMxError } from '../core/errors.ts';

type Route = (method: string, path: string) => { status: number; body: unknown } | undefined;

const servers: Server[] = [];
async function fakeSynapse(route: Route): Promise<{ admin: SynapseAdmin; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    hits.push(`${req.method} ${path}`);
    const r = route(req.method ?? 'GET', path) ?? { status: 404, body: { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' } };
    res.writeHead(r.status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(r.body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { admin: new SynapseAdmin(new SynapseClient({ baseUrl: `http://127.0.0.1:${port}`, accessToken: 'syt_secret_token_value' })), hits };
}

describe('SynapseAdmin against a fault-injecting fake', () => {
  after(() => {
    for (const s of servers) s.close();
  });

  it('says "managed by MAS" when Synapse runs under Matrix Authentication Service', async () => {
    const { admin } = await fakeSynapse((_m, path) => (path === '/_matrix/client/v1/auth_metadata' ? { status: 200, body: { issuer: 'https://auth.example/' } } : undefined));
    await assert.rejects(admin.listTokens(), (e) => isMxError(e, 'E_MAS_ENABLED') && /Matrix Authentication Service/.test(e.message));
    await assert.rejects(admin.createToken({}), (e) => isMxError(e, 'E_MAS_ENABLED'));
    await assert.rejects(admin.resetPassword('@a:hs', 'pw', true), (e) => isMxError(e, 'E_MAS_ENABLED'));
    await assert.rejects(admin.setAdmin('@a:hs', true), (e) => isMxError(e, 'E_MAS_ENABLED'));
    assert.equal(await admin.isMasEnabled(), true);
  });

  it('without MAS, an unrecognised endpoint stays an API error', async () => {
    const { admin } = await fakeSynapse(() => undefined);
    assert.equal(await admin.isMasEnabled(), false);
    await assert.rejects(admin.listTokens(), (e) => isMxError(e, 'E_SYNAPSE_API'));
  });

  it('a 401 names the fix and never the token', async () => {
    const { admin } = await fakeSynapse(() => ({ status: 401, body: { errcode: 'M_UNKNOWN_TOKEN', error: 'Invalid access token passed.' } }));
    await assert.rejects(admin.getUser('@a:hs'), (e) => isMxError(e, 'E_UNAUTHORIZED') && /admin init/.test(e.hint ?? '') && !JSON.stringify([e.message, e.hint, e.detail]).includes('syt_secret'));
  });

  it('backs off and retries a rate-limited write', async () => {
    let calls = 0;
    const { admin } = await fakeSynapse((method) => {
      if (method !== 'PUT') return undefined;
      calls++;
      return calls === 1 ? { status: 429, body: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: 100 } } : { status: 200, body: { event_id: '$ok' } };
    });
    assert.equal(await admin.sendState('!r:hs', 'm.room.server_acl', '', { allow: ['*'] }), '$ok');
    assert.equal(calls, 2);
  });

  it('maps 404 to E_NOT_FOUND naming the object', async () => {
    const { admin } = await fakeSynapse(() => ({ status: 404, body: { errcode: 'M_NOT_FOUND', error: 'Room not found' } }));
    await assert.rejects(admin.getRoom('!nope:hs'), (e) => isMxError(e, 'E_NOT_FOUND') && /!nope:hs/.test(e.message));
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
    assert.deepEqual(sim.planned.map((p) => p.action), ['deactivate and erase user', 'send m.room.power_levels', 'create or modify user', 'purge history']);
    assert.ok(!JSON.stringify(sim.planned).includes('hunter2'));
  });
});
