// The one lab every administration e2e module shares (starting one costs a minute or two), and
// the helpers they all use: mxctl through the real CLI, users made through the admin API, a room's
// state, a query against the lab's Postgres.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startLab, openLab } from '../../../lab/harness.ts';
import type { Lab } from '../../../lab/harness.ts';
import { MatrixUser } from '../../../lab/matrix-user.ts';
import { openSynadm } from '../../../lab/synadm.ts';
import type { Synadm } from '../../../lab/synadm.ts';
import { readAdminState } from '../../../src/ops/admin/state.ts';
import { createCompose } from '../../../src/adapters/compose.ts';
import type { StateEvent } from '../../../src/adapters/synapse-admin.ts';

export const enc = encodeURIComponent;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface MxResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** NOTE: the helpers are arrow properties so a module can destructure them when it registers its tests. */
export class AdminLab {
  // NOTE: ADMIN_E2E_DIR reuses an already running lab while developing; names get a per-run suffix
  // so a reused lab's leftovers cannot collide.
  readonly reuse = process.env['ADMIN_E2E_DIR'];
  readonly run = Date.now().toString(36);
  #lab: Lab | undefined;
  #synadm: Synadm | undefined;

  /** Starts the lab (or opens ADMIN_E2E_DIR's) and synadm beside it. */
  async start(): Promise<void> {
    this.#lab = this.reuse === undefined ? await startLab() : await openLab(this.reuse);
    const admin = await readAdminState(this.#lab.dir);
    assert.ok(admin);
    this.#synadm = await openSynadm({
      baseUrl: this.#lab.admin.baseUrl,
      userId: admin.user_id,
      token: admin.access_token,
      serverName: this.server,
    });
  }

  async stop(): Promise<void> {
    await this.#synadm?.remove();
    if (this.reuse === undefined) await this.#lab?.destroy();
  }

  get lab(): Lab {
    assert.ok(this.#lab, 'the lab is started in before()');
    return this.#lab;
  }

  get synadm(): Synadm {
    assert.ok(this.#synadm, 'synadm is opened in before()');
    return this.#synadm;
  }

  get matrix(): string {
    return `https://${this.lab.settings.MX_MATRIX_HOST}`;
  }

  get server(): string {
    return this.lab.settings.MX_SERVER_NAME;
  }

  readonly name = (n: string): string => `${n}${this.run}`;

  readonly mx = (args: readonly string[]): Promise<MxResult> => this.lab.mxctl(args);

  readonly mxJson = async <T>(args: readonly string[]): Promise<T> => {
    const r = await this.lab.mxctl([...args, '--json']);
    assert.equal(r.code, 0, `mxctl ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };

  /** A local user made through the admin API (no registration rate limit), logged in as a client. */
  readonly makeUser = async (local: string): Promise<{ id: string; client: MatrixUser; password: string }> => {
    const id = `@${local}:${this.server}`;
    const password = `pw-${local}-x9`;
    await this.lab.admin.call('PUT', `/_synapse/admin/v2/users/${enc(id)}`, { password, displayname: local });
    await this.lab.admin.call('POST', `/_synapse/admin/v1/users/${enc(id)}/override_ratelimit`, {
      messages_per_second: 0,
      burst_count: 0,
    });
    const { access_token } = await this.lab.admin.call<{ access_token: string }>(
      'POST',
      `/_synapse/admin/v1/users/${enc(id)}/login`,
      {},
    );
    return { id, password, client: new MatrixUser(this.matrix, this.lab.publicHttp, access_token) };
  };

  /** One query against the lab's Postgres, through compose (as an operator with psql would). */
  readonly sql = async (query: string): Promise<string> => {
    const { POSTGRES_USER, POSTGRES_DB } = this.lab.settings;
    const r = await createCompose(join(this.lab.dir, 'compose')).exec('postgres', [
      'psql',
      '-U',
      POSTGRES_USER,
      '-d',
      POSTGRES_DB,
      '-Atc',
      query,
    ]);
    return r.stdout;
  };

  readonly state = async <T>(roomId: string, type: string): Promise<T | undefined> => {
    const r = await this.lab.admin.call<{ state: StateEvent[] }>(
      'GET',
      `/_synapse/admin/v1/rooms/${enc(roomId)}/state`,
    );
    return r.state.find((e) => e.type === type)?.content as T | undefined;
  };

  readonly joinRoom = async (u: MatrixUser, roomId: string, inviter: MatrixUser, userId: string): Promise<void> => {
    const inv = await inviter.request('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: userId });
    assert.equal(inv.status, 200, JSON.stringify(inv.json));
    const j = await u.request('POST', `/_matrix/client/v3/join/${enc(roomId)}`, {});
    assert.equal(j.status, 200, JSON.stringify(j.json));
  };
}
