// User & room administration against the real lab: every command through the real mxctl CLI,
// asserting the SERVER's resulting state (as a user's client or the admin API sees it), with a
// sample cross-checked against synadm, and the bad inputs that must change nothing.
// NOTE: one lab for every noun (starting one costs a minute or two); each noun's tests live in
// test/e2e/admin/<noun>.ts. The order matters where a test leaves the lab changed: notice runs after
// the allowlist (which removes and restores server_notices), access last (it stops Synapse).
import { describe, before, after } from 'node:test';
import { AdminLab } from './admin/lab.ts';
import { tokensTests } from './admin/tokens.ts';
import { usersTests } from './admin/users.ts';
import { roomsTests } from './admin/rooms.ts';
import { purgeHistoryTests } from './admin/purge-history.ts';
import { abuseTests } from './admin/abuse.ts';
import { federationTests } from './admin/federation.ts';
import { mediaTests } from './admin/media.ts';
import { reportsTests } from './admin/reports.ts';
import { backgroundUpdatesTests } from './admin/background-updates.ts';
import { noticeTests } from './admin/notice.ts';
import { accessTests } from './admin/access.ts';

describe('user & room administration in the lab', () => {
  const fx = new AdminLab();
  before(() => fx.start());
  after(() => fx.stop());

  tokensTests(fx);
  usersTests(fx);
  roomsTests(fx);
  purgeHistoryTests(fx);
  abuseTests(fx);
  federationTests(fx);
  mediaTests(fx);
  reportsTests(fx);
  backgroundUpdatesTests(fx);
  noticeTests(fx);
  accessTests(fx);
});
