import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { publicKeyOf } from './drill-checks.ts';

test("a Synapse signing key file's public half, as /_matrix/key/v2/server publishes it", () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  const file = `ed25519 a_AbCd ${seed.toString('base64').replace(/=+$/, '')}\n`;
  const x = (publicKey.export({ format: 'jwk' }) as { x: string }).x;
  assert.deepEqual(publicKeyOf(file), {
    id: 'ed25519:a_AbCd',
    key: Buffer.from(x, 'base64url').toString('base64').replace(/=+$/, ''),
  });
  assert.equal(publicKeyOf('rsa a_x abc'), undefined);
  assert.equal(publicKeyOf('ed25519 a_x c2hvcnQ'), undefined);
});
