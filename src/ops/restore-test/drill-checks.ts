// The drill's own checks against its Synapse, beside the post-restore checklist: the server
// answers, the restored admin token works (whoami, /sync), the newest message of the backup reads
// back through Synapse, the signing key Synapse publishes is the backup's. Each returns data.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { isMxError } from '../../core/errors.ts';
import { signingKeyFile } from '../../core/templates/homeserver.ts';
import { readTextIfAny } from '../../adapters/fs.ts';
import { readAdminState } from '../admin/state.ts';
import type { CheckItem } from '../backup/post-restore-checks.ts';
import type { DrillStack } from './drill-stack.ts';

type Verdict = { ok: boolean; detail: string };

export async function check(name: string, fn: () => Promise<Verdict>): Promise<CheckItem> {
  try {
    return { name, ...(await fn()) };
  } catch (error) {
    // A tool's own last word (gpg's "decryption failed: …", pg_restore's error) says why.
    const last = isMxError(error) ? error.detail?.trim().split('\n').at(-1) : undefined;
    const message = (error as Error).message;
    return { name, ok: false, detail: last === undefined || last === '' ? message : `${message} (${last})` };
  }
}

export async function serverAnswers(s: DrillStack, backedUp: string): Promise<Verdict> {
  const v = await s.synapse.call<{ server_version?: string }>('GET', '/_synapse/admin/v1/server_version');
  return {
    ok: typeof v.server_version === 'string',
    detail: `Synapse ${v.server_version} (the backup's: ${backedUp})`,
  };
}

export async function adminTokenWorks(s: DrillStack): Promise<Verdict> {
  const state = await readAdminState(s.stagedRoot);
  if (state === undefined) return { ok: false, detail: 'the backup holds no state/admin.json' };
  const c = s.synapse.withToken(state.access_token);
  const me = await c.call<{ user_id: string }>('GET', '/_matrix/client/v3/account/whoami');
  const sync = await c.call<{ next_batch?: string; rooms?: { join?: Record<string, unknown> } }>(
    'GET',
    '/_matrix/client/v3/sync?timeout=0',
  );
  const ok = me.user_id === state.user_id && typeof sync.next_batch === 'string';
  return { ok, detail: `whoami ${me.user_id}; /sync: ${Object.keys(sync.rooms?.join ?? {}).length} joined room(s)` };
}

/** The backup's newest m.room.message (from the drill's database), read back through Synapse's admin API. */
export async function newestMessageReadsBack(s: DrillStack): Promise<Verdict> {
  const row = (
    await s.postgres.psql(
      `SELECT json_build_object('event_id', e.event_id, 'room_id', e.room_id, 'body', ej.json::json->'content'->>'body')
         FROM events e JOIN event_json ej USING (event_id)
        WHERE e.type = 'm.room.message' AND NOT e.outlier ORDER BY e.stream_ordering DESC LIMIT 1;`,
    )
  ).trim();
  if (row === '') return { ok: true, detail: 'the backup holds no message' };
  const want = JSON.parse(row) as { event_id: string; room_id: string; body: string | null };
  const state = await readAdminState(s.stagedRoot);
  if (state === undefined) return { ok: false, detail: 'no admin token to read with' };
  const page = await s.synapse
    .withToken(state.access_token)
    .call<{ chunk: { event_id: string; content?: { body?: string } }[] }>(
      'GET',
      `/_synapse/admin/v1/rooms/${encodeURIComponent(want.room_id)}/messages?dir=b&limit=50`,
    );
  const got = page.chunk.find((e) => e.event_id === want.event_id);
  if (got === undefined) return { ok: false, detail: `${want.event_id} in ${want.room_id} is not served` };
  const same = (got.content?.body ?? null) === want.body;
  return { ok: same, detail: `${want.event_id} in ${want.room_id}: body ${same ? 'as stored' : 'DIFFERS'}` };
}

/** The public half of a Synapse signing key file's seed ("ed25519 a_XXXX <seed>"), as key id and base64. */
export function publicKeyOf(keyFile: string): { id: string; key: string } | undefined {
  const [alg, version, seed] = keyFile.trim().split('\n')[0]?.split(/\s+/) ?? [];
  if (alg !== 'ed25519' || version === undefined || seed === undefined) return undefined;
  const raw = Buffer.from(seed, 'base64');
  if (raw.length !== 32) return undefined;
  // NOTE: Node takes a raw ed25519 seed only inside PKCS#8: this prefix is that DER wrapper.
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), raw]);
  const pub = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
  const x = (pub.export({ format: 'jwk' }) as { x?: string }).x ?? '';
  return { id: `ed25519:${version}`, key: Buffer.from(x, 'base64url').toString('base64').replace(/=+$/, '') };
}

export async function signingKeyPublished(s: DrillStack, serverName: string): Promise<Verdict> {
  const text = await readTextIfAny(join(s.stagedRoot, 'synapse', signingKeyFile(serverName)));
  if (text === undefined) return { ok: false, detail: 'the backup holds no signing key' };
  const want = publicKeyOf(text);
  if (want === undefined) return { ok: false, detail: "the backup's signing key file cannot be read" };
  const r = await s.synapse.call<{ server_name?: string; verify_keys?: Record<string, { key?: string }> }>(
    'GET',
    '/_matrix/key/v2/server',
  );
  const published = r.verify_keys?.[want.id]?.key;
  const ok = r.server_name === serverName && published === want.key;
  return {
    ok,
    detail: `${want.id} ${ok ? 'published as backed up' : `DIFFERS (published: ${Object.keys(r.verify_keys ?? {}).join(', ')})`}`,
  };
}
