import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DAY_MS, certbotRenewalTime, judgeLifetime, lifetimeFacts, formatDuration } from './lifetime.ts';
import { classifyCertbotFailure, failedChallenges } from './acme-error.ts';
import { logRank, parseCertbotLog, renewalHistory } from './certbot-log.ts';
import { parseRenewalConf } from './renewal-conf.ts';
import { missingNames, readCertificate, sameNames } from './cert-info.ts';

const at = (iso: string) => new Date(iso);
const validity = (days: number, from = at('2026-01-01T00:00:00Z')) => ({
  notBefore: from,
  notAfter: new Date(from.getTime() + days * DAY_MS),
});

describe('certbot renewal time', () => {
  it('2/3 of the lifetime from 10 days up, half below', () => {
    assert.equal(certbotRenewalTime(validity(90)).toISOString(), '2026-03-02T00:00:00.000Z');
    assert.equal(certbotRenewalTime(validity(6)).toISOString(), '2026-01-04T00:00:00.000Z');
    const minutes = { notBefore: at('2026-01-01T00:00:00Z'), notAfter: at('2026-01-01T00:04:00Z') };
    assert.equal(certbotRenewalTime(minutes).toISOString(), '2026-01-01T00:02:00.000Z');
  });
});

describe('lifetime thresholds', () => {
  const judge = (lifetimeDays: number, leftDays: number) => {
    const now = at('2026-06-01T00:00:00Z');
    const notBefore = new Date(now.getTime() - (lifetimeDays - leftDays) * DAY_MS);
    return judgeLifetime({ notBefore, notAfter: new Date(now.getTime() + leftDays * DAY_MS) }, now);
  };
  it('a 45-day certificate at its normal renewal (15 days left) is ok, where a fixed 21-day alarm would fire', () => {
    assert.equal(judge(45, 15).level, 'ok');
  });
  it('warn under a quarter left, critical under a tenth or 3 days, expired after', () => {
    assert.equal(judge(90, 20).level, 'warn');
    assert.equal(judge(90, 8).level, 'critical');
    assert.equal(judge(40, 2.5).level, 'critical');
    assert.equal(judge(90, -1).level, 'expired');
  });
  it('a due renewal that has not happened warns before the quarter mark', () => {
    // 90 days: due at 30 left, grace 7.5 days capped at 12.5 h: 29 days left is overdue.
    const j = judge(90, 29);
    assert.equal(j.level, 'warn');
    assert.match(j.reasons[0] ?? '', /renewal was due/);
    assert.equal(judge(90, 29.9).level, 'ok');
  });
  it('pebble minutes: judged by their own lifetime', () => {
    const now = at('2026-01-01T00:03:00Z');
    const v = { notBefore: at('2026-01-01T00:00:00Z'), notAfter: at('2026-01-01T00:04:00Z') };
    assert.equal(judgeLifetime(v, now).level, 'critical');
    const f = lifetimeFacts(v, now);
    assert.equal(f.due, true);
    assert.equal(f.leftShare, 0.25);
    assert.equal(formatDuration(f.lifetimeMs), '4.0 minutes');
  });
});

const L = (lines: string[]) => lines.map((l) => `2026-12-02 16:07:07,622:${l}`).join('\n');

describe('certbot logs', () => {
  it('a renewal: forced, succeeded', () => {
    const r = parseCertbotLog(
      L([
        "DEBUG:certbot._internal.main:Arguments: ['--force-renewal', '--server', 'https://ca/dir']",
        'DEBUG:certbot._internal.display.obj:Notifying user: Processing /etc/letsencrypt/renewal/element-matrix.conf',
        'DEBUG:certbot._internal.display.obj:Notifying user: Congratulations, all renewals succeeded: ',
      ]),
    );
    assert.deepEqual(
      { ...r, startedAt: r?.startedAt.toISOString() },
      { startedAt: '2026-12-02T16:07:07.622Z', renew: true, dryRun: false, forced: true, outcome: 'renewed' },
    );
  });
  it('a check with nothing due is not an attempt; the attempt before it is found', () => {
    const notDue = L([
      "DEBUG:certbot._internal.main:Arguments: ['--quiet']",
      'DEBUG:certbot._internal.display.obj:Notifying user: Processing /etc/letsencrypt/renewal/x.conf',
      'DEBUG:certbot._internal.display.obj:Notifying user: No renewals were attempted.',
    ]);
    const failed = L([
      'DEBUG:certbot._internal.main:Arguments: []',
      "ERROR:certbot._internal.renewal:Failed to renew certificate element-matrix with error: HTTPSConnectionPool(host='pebble', port=14000): Max retries exceeded with url: /dir (Caused by NewConnectionError(\"HTTPSConnection(host='pebble', port=14000): Failed to establish a new connection: [Errno 111] Connection refused\"))",
    ]);
    const h = renewalHistory([notDue, 'garbage\x00\x01', failed]);
    assert.equal(h.lastRun?.outcome, 'not-due');
    assert.equal(h.lastAttempt?.outcome, 'failed');
    assert.equal(h.lastAttempt?.failure?.kind, 'ca-unreachable');
    assert.equal(
      h.lastAttempt?.failure?.message,
      'cannot reach the ACME server at pebble:14000: Failed to establish a new connection: [Errno 111] Connection refused',
    );
    assert.equal(h.unreadable, 1);
  });
  it('garbage, an empty file and a log cut before its first line are not runs', () => {
    assert.equal(parseCertbotLog(''), undefined);
    assert.equal(parseCertbotLog('{"not": "a log"}'), undefined);
    assert.equal(parseCertbotLog('2026-13-45 99:99:99,000:DEBUG:x:y'), undefined);
    assert.deepEqual(renewalHistory([]), { lastRun: undefined, lastAttempt: undefined, unreadable: 0 });
  });
  it('rotation names', () => {
    assert.equal(logRank('letsencrypt.log'), 0);
    assert.equal(logRank('letsencrypt.log.12'), 12);
    assert.equal(logRank('letsencrypt.log.bak'), undefined);
  });
});

describe("ACME failures in the CA's words", () => {
  it('a failed challenge names the name, the type and the challenge', () => {
    const text =
      'Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported these problems:\n  Identifier: matrix.lab2.test\n  Type:   connection\n  Detail: 127.0.0.254: Fetching http://matrix.lab2.test/.well-known/acme-challenge/x: Connection refused\n\nHint: ...\nhttp-01 challenge for matrix.lab2.test';
    const f = classifyCertbotFailure(text);
    assert.equal(f.kind, 'challenge-failed');
    assert.equal(f.challenge, 'http-01');
    assert.deepEqual(failedChallenges(text), [
      {
        name: 'matrix.lab2.test',
        type: 'connection',
        detail: '127.0.0.254: Fetching http://matrix.lab2.test/.well-known/acme-challenge/x: Connection refused',
      },
    ]);
  });
  it('rate limited and account problems by their ACME type', () => {
    assert.equal(
      classifyCertbotFailure(
        'An unexpected error occurred:\nurn:ietf:params:acme:error:rateLimited :: too many certificates (5) already issued',
      ).kind,
      'rate-limited',
    );
    const acct = classifyCertbotFailure('urn:ietf:params:acme:error:accountDoesNotExist :: Account "x" not found');
    assert.equal(acct.kind, 'account');
    assert.match(acct.message, /accountDoesNotExist: Account "x" not found/);
  });
  it('anything else keeps its last meaningful line', () => {
    const f = classifyCertbotFailure(
      'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: something odd\nAsk for help or search for solutions at https://community.letsencrypt.org.',
    );
    assert.deepEqual([f.kind, f.message], ['other', 'ValueError: something odd']);
    assert.equal(classifyCertbotFailure('').message, 'certbot gave no reason');
  });
});

describe('renewal conf', () => {
  it('reads server, authenticator and names', () => {
    const r = parseRenewalConf(
      'version = 5.5.0\nfullchain = /etc/letsencrypt/live/x/fullchain.pem\n[renewalparams]\naccount = abc\nserver = https://ca/dir\nauthenticator = webroot\npreferred_profile = shortlived\n[[webroot_map]]\na.test = /var/www/certbot\nb.test = /var/www/certbot\n',
    );
    assert.ok(r.ok);
    assert.deepEqual(r.conf, {
      server: 'https://ca/dir',
      authenticator: 'webroot',
      account: 'abc',
      renewBeforeExpiry: undefined,
      preferredProfile: 'shortlived',
      webrootNames: ['a.test', 'b.test'],
    });
  });
  it('a broken conf names the line', () => {
    const r = parseRenewalConf('version = 5.5.0\n<<<<<<< merge\n');
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /line 2/);
    assert.equal(parseRenewalConf('').ok, false);
  });
});

describe('certificate files', () => {
  it('a file that is not PEM, or a truncated one, is an error in words', () => {
    const notPem = readCertificate('hello');
    assert.equal(notPem.ok, false);
    assert.match(notPem.ok ? '' : notPem.error, /not a PEM certificate/);
    assert.match(String(readCertificate('-----BEGIN CERTIFICATE-----\nMIIB\n').ok ? '' : 'truncated'), /truncated/);
    const bad = readCertificate('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
    assert.equal(bad.ok, false);
  });
  it('names: missing ones, and set equality', () => {
    assert.deepEqual(missingNames({ names: ['a.test', 'B.test'] }, ['a.test', 'b.test', 'c.test']), ['c.test']);
    assert.ok(sameNames(['a', 'b'], ['B', 'a']));
    assert.ok(!sameNames(['a'], ['a', 'b']));
  });
});
