// A self-signed placeholder certificate, so nginx can start before the real one exists.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { run } from './exec.ts';

export async function selfSignedCertificate(
  names: readonly string[],
  days = 30,
): Promise<{ cert: string; key: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'mxctl-cert-'));
  try {
    await run(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        String(days),
        '-subj',
        '/CN=element-matrix placeholder',
        '-addext',
        `subjectAltName=${names.map((n) => (isIP(n) === 0 ? `DNS:${n}` : `IP:${n}`)).join(',')}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { purpose: 'creating the placeholder certificate', timeoutMs: 30_000 },
    );
    return { cert: await readFile(join(dir, 'cert.pem'), 'utf8'), key: await readFile(join(dir, 'key.pem'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
