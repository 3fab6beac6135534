// Federation: .well-known delegation, the federation API through nginx, and our signing key
// published at /_matrix/key/v2/server (the key in synapse/ must be the one other servers see).
import { readText } from '../../adapters/fs.ts';
import { join } from 'node:path';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { Finding } from '../../core/doctor/finding.ts';
import { fail, ok } from '../../core/doctor/finding.ts';
import { signingKeyFile } from '../../core/templates/homeserver.ts';
import { httpFetch, describeNetworkError } from '../../adapters/http.ts';
import type { DoctorFacts } from './facts.ts';

async function getJson(f: DoctorFacts, url: string): Promise<{ status: number; json: unknown } | { error: string }> {
  try {
    const r = await httpFetch(url, {}, { ...f.d.publicHttp, timeoutMs: 8_000 });
    return { status: r.status, json: r.status === 200 ? r.json() : undefined };
  } catch (error) {
    return { error: describeNetworkError(error) };
  }
}

export async function federationChecks(f: DoctorFacts): Promise<Finding[]> {
  const s = f.d.deployment.settings;
  const out: Finding[] = [];
  const wk = await getJson(f, `https://${s.MX_SERVER_NAME}/.well-known/matrix/server`);
  const expected = `${s.MX_MATRIX_HOST}:443`;
  if (
    'error' in wk ||
    wk.status !== 200 ||
    (wk.json as { 'm.server'?: string } | undefined)?.['m.server'] !== expected
  ) {
    const why = 'error' in wk ? wk.error : `HTTP ${wk.status} ${JSON.stringify(wk.json)}`;
    out.push(
      fail(
        'federation.well-known',
        `https://${s.MX_SERVER_NAME}/.well-known/matrix/server does not delegate to ${expected}: ${why}`,
        'Check DNS for the base domain and nginx (`mxctl logs nginx`); the site config is nginx/templates/base-domain.conf.template.',
      ),
    );
  } else {
    out.push(ok('federation.well-known', `.well-known delegates to ${expected}`));
  }
  const ver = await getJson(f, `https://${s.MX_MATRIX_HOST}/_matrix/federation/v1/version`);
  if ('error' in ver || ver.status !== 200) {
    out.push(
      fail(
        'federation.api',
        `the federation API does not answer through nginx: ${'error' in ver ? ver.error : `HTTP ${ver.status}`}`,
        'Check that synapse is healthy and nginx proxies /_matrix (`mxctl status`).',
      ),
    );
  } else {
    const server = (ver.json as { server?: { name?: string; version?: string } }).server;
    out.push(
      ok('federation.api', `the federation API answers (${server?.name ?? '?'} ${server?.version ?? ''})`.trim()),
    );
  }
  out.push(await keyPublished(f));
  return out;
}

async function keyPublished(f: DoctorFacts): Promise<Finding> {
  const s = f.d.deployment.settings;
  const line = await readText(join(f.d.deployment.root, 'synapse', signingKeyFile(s.MX_SERVER_NAME))).catch(() => '');
  const m = /^ed25519 (\S+) (\S+)/.exec(line.trim());
  if (!m)
    return fail(
      'federation.signing-key',
      'the signing key file is missing or unreadable',
      'Restore synapse/<server>.signing.key from a backup before Synapse starts (it would silently make a new key).',
    );
  const [, keyId = '', seed = ''] = m;
  const priv = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(seed, 'base64').toString('base64url'), x: '' },
    format: 'jwk',
  });
  const pub = Buffer.from(createPublicKey(priv).export({ format: 'jwk' }).x ?? '', 'base64url')
    .toString('base64')
    .replace(/=+$/, '');
  const r = await getJson(f, `https://${s.MX_MATRIX_HOST}/_matrix/key/v2/server`);
  if ('error' in r || r.status !== 200) {
    return fail(
      'federation.signing-key',
      `the server's keys are not published: ${'error' in r ? r.error : `HTTP ${r.status}`}`,
      'Check that synapse is healthy and nginx proxies /_matrix.',
    );
  }
  const published = (r.json as { verify_keys?: Record<string, { key?: string }> }).verify_keys?.[`ed25519:${keyId}`]
    ?.key;
  if (published !== pub) {
    return fail(
      'federation.signing-key',
      `Synapse publishes a different key than synapse/${signingKeyFile(s.MX_SERVER_NAME)} (ed25519:${keyId})`,
      'Synapse is not using the key on disk: check signing_key_path in homeserver.yaml and restart synapse.',
      [`published: ${JSON.stringify((r.json as { verify_keys?: unknown }).verify_keys)}`],
    );
  }
  return ok('federation.signing-key', `the signing key ed25519:${keyId} is published`);
}
