// The alert channels end to end against real receivers on the lab's loopback address: Debian's
// ntfy server with token auth, an SMTP server demanding STARTTLS and AUTH, an HTTP receiver for
// the webhook and the dead-man's ping, and a Matrix room on the lab's Synapse read back through
// the client API. One lab; each test leaves .env as it found it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { CA_FILE } from '../../lab/lab-stack.ts';
import { startHttpReceiver, startNtfy, startSmtp } from '../../lab/receivers.ts';
import type { HttpReceiver, NtfyReceiver, SmtpReceiver } from '../../lab/receivers.ts';
import { formatSettings } from '../../src/core/settings.ts';
import type { Settings } from '../../src/core/settings.ts';
import { readSettings } from '../../src/ops/deployment.ts';
import { readAdminState } from '../../src/ops/admin/state.ts';
import type { TestAlertReport } from '../../src/ops/monitor/test-alert.ts';

describe('alert channels against real receivers', () => {
  let lab: Lab;
  let ntfy: NtfyReceiver;
  let smtp: SmtpReceiver;
  let hook: HttpReceiver;
  let ping: HttpReceiver;
  let room: string;
  let original: string;
  const secretPath = 'T0123/B0456/s3cr3t-webhook-path';

  before(async () => {
    lab = await startLab();
    [ntfy, smtp, hook, ping] = await Promise.all([
      startNtfy(lab.address, 2586),
      startSmtp(lab.address, 2525),
      startHttpReceiver(lab.address),
      startHttpReceiver(lab.address),
    ]);
    // The SMTP receiver's certificate is a private CA here, as pebble's roots are.
    await appendFile(join(lab.dir, CA_FILE), smtp.certificate);
    room = (await lab.admin.call<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', { name: 'alerts' }))
      .room_id;
    original = await readFile(join(lab.dir, '.env'), 'utf8');
  });
  after(async () => {
    await Promise.all([ntfy?.stop(), smtp?.stop(), hook?.stop(), ping?.stop()]);
    await lab?.destroy();
  });

  const every = (): Partial<Settings> => ({
    ALERT_WEBHOOK_URL: `${hook.url}/${secretPath}`,
    ALERT_NTFY_URL: ntfy.topicUrl,
    ALERT_NTFY_TOKEN: ntfy.token,
    ALERT_EMAIL_TO: 'ops@lab.test, oncall@lab.test',
    ALERT_EMAIL_FROM: 'mxctl@lab.test',
    ALERT_SMTP_HOST: smtp.host,
    ALERT_SMTP_PORT: smtp.port,
    ALERT_SMTP_SECURITY: 'starttls',
    ALERT_SMTP_USER: smtp.user,
    ALERT_SMTP_PASSWORD: smtp.password,
    ALERT_MATRIX_ROOM: room,
    ALERT_PING_URL: `${ping.url}/ping/uuid-1234`,
  });
  async function withChannels(over: Partial<Settings>): Promise<void> {
    const s = await readSettings(lab.dir);
    await writeFile(join(lab.dir, '.env'), formatSettings({ ...s, ...over }), { mode: 0o600 });
  }
  const restore = () => writeFile(join(lab.dir, '.env'), original, { mode: 0o600 });
  async function testAlert(...args: string[]): Promise<{ code: number; r: TestAlertReport; out: string }> {
    const x = await lab.mxctl(['monitor', 'test-alert', '--json', ...args]);
    return { code: x.code, r: JSON.parse(x.stdout || '{}') as TestAlertReport, out: x.stdout + x.stderr };
  }
  async function roomNotices(): Promise<string[]> {
    const state = await readAdminState(lab.dir);
    const page = await lab.admin
      .withToken(state?.access_token ?? '')
      .call<{ chunk: { type: string; content: { msgtype?: string; body?: string } }[] }>(
        'GET',
        `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/messages?dir=b&limit=20`,
      );
    return page.chunk.filter((e) => e.content.msgtype === 'm.notice').map((e) => e.content.body ?? '');
  }

  it('every channel at once: each receiver gets the test alert once, and the ping arrives', async () => {
    await withChannels(every());
    try {
      const { code, r, out } = await testAlert();
      assert.equal(code, 0, out);
      assert.deepEqual(
        r.channels.map((c) => [c.kind, c.ok, c.attempts]),
        [
          ['webhook', true, 1],
          ['ntfy', true, 1],
          ['email', true, 1],
          ['matrix', true, 1],
        ],
      );
      assert.deepEqual(r.ping, { ok: true });
      assert.equal(r.inBandOnly, false);
      // The webhook: the documented JSON, once.
      const posts = hook.requests.filter((q) => q.path === `/${secretPath}`);
      assert.equal(posts.length, 1);
      const body = JSON.parse(posts[0]?.body ?? '{}') as Record<string, unknown>;
      assert.equal(body['schema'], 'mxctl.alert/1');
      assert.equal(body['test'], true);
      assert.equal(body['server'], lab.settings.MX_SERVER_NAME);
      // ntfy: through token auth, with the headline as its title.
      const pushed = await ntfy.messages();
      assert.equal(pushed.length, 1);
      assert.match(pushed[0]?.title ?? '', /^\[TEST\] \[FIRING warning\] /);
      // email: over STARTTLS with AUTH (the receiver accepts nothing else), to both addresses.
      const mails = await smtp.mails();
      assert.equal(mails.length, 1);
      assert.match(mails[0] ?? '', /X-Envelope-To: ops@lab\.test,oncall@lab\.test/);
      assert.match(mails[0] ?? '', /Subject: \[mxctl\] \[TEST\]/);
      // The Matrix room: an m.notice from mxctl's admin.
      const notices = await roomNotices();
      assert.equal(notices.length, 1);
      assert.match(notices[0] ?? '', /^\[TEST\] /);
      assert.equal(ping.requests.filter((q) => q.path === '/ping/uuid-1234').length, 1);
      // No secret in what mxctl printed.
      for (const secret of [secretPath, ntfy.token, smtp.password, 'uuid-1234'])
        assert.ok(!out.includes(secret), `the output does not hold ${secret.slice(0, 6)}…`);
    } finally {
      await restore();
    }
  });

  it('a receiver that fails: retried, then reported (exit 23) with its reason; the others still get it', async () => {
    await withChannels({ ...every(), ALERT_NTFY_TOKEN: 'tk_not0a0valid0token0at0all00' });
    hook.answer(503);
    const hooked = hook.requests.length;
    const mails = (await smtp.mails()).length;
    try {
      const { code, r, out } = await testAlert();
      assert.equal(code, 23, out);
      const by = Object.fromEntries(r.channels.map((c) => [c.kind, c]));
      assert.equal(by['webhook']?.ok, false);
      assert.equal(by['webhook']?.attempts, 3);
      assert.match(by['webhook']?.error ?? '', /HTTP 503/);
      assert.equal(hook.requests.length - hooked, 3, 'three tries');
      assert.equal(by['ntfy']?.ok, false);
      assert.match(by['ntfy']?.error ?? '', /HTTP 40[13]/);
      assert.equal(by['email']?.ok, true);
      assert.equal((await smtp.mails()).length, mails + 1);
      assert.match(out, /did not arrive on: webhook, ntfy/);
      assert.ok(!out.includes(secretPath));
    } finally {
      hook.answer(200);
      await restore();
    }
  });

  it('bad input changes nothing: an unknown channel, no channel, a password in the clear, a wrong SMTP password', async () => {
    const before = hook.requests.length;
    const unknown = await lab.mxctl(['monitor', 'test-alert', '--channel', 'pager']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /pager/);
    const none = await lab.mxctl(['monitor', 'test-alert']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /No alert channel is configured/);
    await withChannels({ ...every(), ALERT_SMTP_SECURITY: 'none' });
    try {
      const clear = await lab.mxctl(['monitor', 'test-alert']);
      assert.equal(clear.code, 3);
      assert.match(clear.stderr, /ALERT_SMTP_SECURITY.*in the clear/);
      assert.ok(!clear.stderr.includes(smtp.password));
    } finally {
      await restore();
    }
    assert.equal(hook.requests.length, before, 'nothing was sent');
    await withChannels({ ...every(), ALERT_SMTP_PASSWORD: 'wrong-password-0123' });
    try {
      const { code, r } = await testAlert('--channel', 'email');
      assert.equal(code, 23);
      assert.equal(r.channels.length, 1);
      assert.match(r.channels[0]?.error ?? '', /auth|535|credentials/i);
      assert.ok(!(r.channels[0]?.error ?? '').includes('wrong-password-0123'));
    } finally {
      await restore();
    }
  });

  it('only the Matrix room: sent, and it is said that this server cannot report itself down', async () => {
    await withChannels({ ALERT_MATRIX_ROOM: room });
    try {
      const x = await lab.mxctl(['monitor', 'test-alert']);
      assert.equal(x.code, 0, x.stderr);
      assert.match(x.stdout, /\[sent\] Matrix room/);
      assert.match(x.stdout, /cannot report this server down/);
    } finally {
      await restore();
    }
  });
});
