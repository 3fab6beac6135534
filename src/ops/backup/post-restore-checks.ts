// The seed runbook's post-restore checklist, automated: each item returns pass/fail with what
// it saw. `read-only` skips the items that write (a login device, a scratch room) so a caller
// can compare the restored database table by table.
import { judgeRestoreLog } from '../../core/backup/restore-log.ts';
import { createHash } from 'node:crypto';
import { httpFetch } from '../../adapters/http.ts';
import { run } from '../../adapters/exec.ts';
import { mediaIdOf } from '../../core/backup/manifest.ts';
import type { Manifest } from '../../core/backup/manifest.ts';
import { readAdminState } from '../admin/state.ts';
import type { AdminState } from '../admin/state.ts';
import type { Deps } from '../deps.ts';

export type ChecksDeps = Pick<Deps, 'deployment' | 'postgres' | 'synapse' | 'clock'>;

export type ChecksMode = 'full' | 'read-only';

export interface CheckItem {
  name: string;
  ok: boolean;
  detail: string;
}

async function check(name: string, fn: () => Promise<{ ok: boolean; detail: string }>): Promise<CheckItem> {
  try {
    return { name, ...(await fn()) };
  } catch (error) {
    return { name, ok: false, detail: (error as Error).message };
  }
}

export interface ChecksOptions {
  /** The restored backup's manifest: what the restored server must hold at least. */
  manifest: Manifest;
  /** When the restore started changing things (Synapse's log is read from then). */
  since: Date;
  mode: ChecksMode;
}

export async function runPostRestoreChecks(o: ChecksOptions, d: ChecksDeps): Promise<CheckItem[]> {
  const state = await readAdminState(d.deployment.root);
  const login = o.mode === 'full' ? await adminLogin(state, d) : undefined;
  const token = login?.token ?? state?.access_token;
  const items = [
    ...(login === undefined ? [] : [login.item]),
    await check('rooms and messages present', () => rowsPresent(o.manifest, d)),
    await check('a media file downloads with the same sha256', () => mediaDownloads(o.manifest, token, d)),
    ...(o.mode === 'full'
      ? [await check('a test message is sent and received in a scratch room', () => scratchMessage(login?.token, d))]
      : []),
    await check("no ERROR in Synapse's log since the restore started", () => cleanLog(o.since, d)),
  ];
  if (login?.token !== undefined) {
    await d.synapse
      .withToken(login.token)
      .call('POST', '/_matrix/client/v3/logout', {})
      .catch(() => undefined);
  }
  return items;
}

type Verdict = { ok: boolean; detail: string };

/** The restored admin logs in (a new device: `full` mode only); its token is used by the later items. */
async function adminLogin(state: AdminState | undefined, d: ChecksDeps): Promise<{ item: CheckItem; token?: string }> {
  const name = 'admin login';
  if (state === undefined)
    return { item: { name, ok: false, detail: 'no state/admin.json in the restored deployment' } };
  try {
    const r = await d.synapse.login(state.user_id, state.password, 'mxctl restore check');
    return { item: { name, ok: true, detail: `${r.user_id} logged in` }, token: r.access_token };
  } catch (error) {
    return { item: { name, ok: false, detail: (error as Error).message } };
  }
}

async function rowsPresent(m: Manifest, d: ChecksDeps): Promise<Verdict> {
  const rows = await d.postgres.countRows(['rooms', 'users', 'events']);
  const messages = Number((await d.postgres.psql("SELECT count(*) FROM events WHERE type = 'm.room.message';")).trim());
  const want = {
    rooms: m.row_counts['rooms'] ?? 0,
    users: m.row_counts['users'] ?? 0,
    events: m.row_counts['events'] ?? 0,
  };
  // NOTE: >= because the manifest's counts are taken just before pg_dump's snapshot.
  const ok =
    (rows['rooms'] ?? 0) >= want.rooms &&
    (rows['users'] ?? 0) >= want.users &&
    (rows['events'] ?? 0) >= want.events &&
    messages >= m.message_count;
  return {
    ok,
    detail: `rooms ${rows['rooms']}/${want.rooms}, users ${rows['users']}/${want.users}, events ${rows['events']}/${want.events}, messages ${messages}/${m.message_count} (restored/manifest)`,
  };
}

async function mediaDownloads(m: Manifest, token: string | undefined, d: ChecksDeps): Promise<Verdict> {
  // A file Synapse knows (a row in local_media_repository), so it can be downloaded.
  const known = new Set(
    (await d.postgres.psql('SELECT media_id FROM local_media_repository ORDER BY created_ts DESC LIMIT 10000;'))
      .split('\n')
      .filter((x) => x !== ''),
  );
  const media = m.files.find((f) => f.type === 'file' && known.has(mediaIdOf(f.path) ?? ''));
  if (media === undefined) return { ok: true, detail: 'the backup holds no media Synapse knows of' };
  if (token === undefined) return { ok: false, detail: 'no admin token to download with' };
  const id = mediaIdOf(media.path) ?? '';
  const url = `${d.synapse.baseUrl}/_matrix/client/v1/media/download/${encodeURIComponent(m.server_name)}/${encodeURIComponent(id)}`;
  const res = await httpFetch(url, { headers: { Authorization: `Bearer ${token}` } }, { timeoutMs: 60_000 });
  if (res.status !== 200) return { ok: false, detail: `HTTP ${res.status} for ${id}` };
  const sha = createHash('sha256').update(res.body).digest('hex');
  return {
    ok: sha === media.sha256,
    detail: `${id}: ${res.body.length} bytes, sha256 ${sha === media.sha256 ? 'matches' : 'DIFFERS'}`,
  };
}

async function scratchMessage(loginToken: string | undefined, d: ChecksDeps): Promise<Verdict> {
  if (loginToken === undefined) return { ok: false, detail: 'no login (see the admin login item)' };
  const c = d.synapse.withToken(loginToken);
  const room = await c.call<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', {
    name: 'mxctl restore check',
    preset: 'private_chat',
  });
  const now = d.clock.now();
  const text = `mxctl restore check ${now.toISOString()}`;
  const path = `/_matrix/client/v3/rooms/${encodeURIComponent(room.room_id)}`;
  await c.call('PUT', `${path}/send/m.room.message/mxctl${now.getTime()}`, { msgtype: 'm.notice', body: text });
  const msgs = await c.call<{ chunk: { content?: { body?: string } }[] }>('GET', `${path}/messages?dir=b&limit=10`);
  const seen = msgs.chunk.some((e) => e.content?.body === text);
  // The scratch room is purged again (asynchronously); it is not restored data.
  await c
    .call('DELETE', `/_synapse/admin/v2/rooms/${encodeURIComponent(room.room_id)}`, { purge: true })
    .catch(() => undefined);
  return { ok: seen, detail: seen ? `sent and read back in ${room.room_id}` : 'the message did not come back' };
}

async function cleanLog(since: Date, d: ChecksDeps): Promise<Verdict> {
  const r = await run(
    'docker',
    ['compose', 'logs', '--no-color', '--no-log-prefix', '--since', since.toISOString(), 'synapse'],
    {
      cwd: d.deployment.composeDir,
      timeoutMs: 30_000,
      purpose: "reading synapse's log",
    },
  );
  return judgeRestoreLog(`${r.stdout}${r.stderr}`);
}
