// Helpers for the backup e2e tests: a real PNG (so Synapse makes thumbnails), table row counts,
// and sha256s of the media folders.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { psql } from '../../src/adapters/postgres.ts';
import { run } from '../../src/adapters/exec.ts';
import type { Lab } from '../../lab/harness.ts';
import { readAdminState } from '../../src/ops/admin/state.ts';

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** An RGB PNG of w×h with a seed-dependent pattern (distinct bytes per seed). */
export function makePng(w: number, h: number, seed: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3;
      raw[o] = (x * seed) & 255;
      raw[o + 1] = (y * 7 + seed) & 255;
      raw[o + 2] = ((x ^ y) + seed * 13) & 255;
    }
  }
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function pgOf(lab: Lab): { composeDir: string; user: string; db: string } {
  return { composeDir: join(lab.dir, 'compose'), user: lab.settings.POSTGRES_USER, db: lab.settings.POSTGRES_DB };
}

/** Every public table's exact row count. */
export async function tableCounts(lab: Lab): Promise<Map<string, number>> {
  const pg = pgOf(lab);
  const tables = (await psql(pg, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1;"))
    .split('\n')
    .filter((t) => t !== '');
  const sql = `${tables.map((t) => `SELECT '${t}', count(*) FROM "${t}"`).join(' UNION ALL ')};`;
  const out = new Map<string, number>();
  for (const line of (await psql(pg, sql)).split('\n')) {
    const [t, n] = line.split('|');
    if (t !== undefined && n !== undefined && t !== '') out.set(t, Number(n));
  }
  return out;
}

/** Databases a restore fills or swaps out beside the live one (none once a restore is over). */
export async function sideDatabases(lab: Lab): Promise<string[]> {
  return (
    await psql(pgOf(lab), "SELECT datname FROM pg_database WHERE datname LIKE '%\\_mxctl\\_%' ORDER BY 1;", {
      db: 'postgres',
    })
  )
    .split('\n')
    .filter((l) => l !== '');
}

/** When the Synapse container last started: unchanged = the server was never stopped. */
export async function synapseStartedAt(lab: Lab): Promise<string> {
  const id = (
    await run('docker', ['compose', 'ps', '-q', 'synapse'], {
      cwd: join(lab.dir, 'compose'),
      purpose: 'finding synapse',
    })
  ).stdout.trim();
  return (
    await run('docker', ['inspect', '-f', '{{.State.StartedAt}}', id], { purpose: 'inspecting synapse' })
  ).stdout.trim();
}

/** path (relative to media_store) → sha256, for local_content and local_thumbnails. */
export async function mediaHashes(dir: string): Promise<Map<string, string>> {
  const root = join(dir, 'synapse', 'media_store');
  const out = new Map<string, string>();
  async function walk(d: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      if ((await stat(p)).isDirectory()) await walk(p);
      else
        out.set(
          relative(root, p),
          createHash('sha256')
            .update(await readFile(p))
            .digest('hex'),
        );
    }
  }
  await walk(join(root, 'local_content'));
  await walk(join(root, 'local_thumbnails'));
  return out;
}

/** Uploads bytes as the lab's admin, on Synapse's loopback port; returns the mxc:// URI. */
export async function uploadMedia(lab: Lab, body: Buffer, filename: string): Promise<string> {
  const res = await fetch(`${synapseUrlOf(lab)}/_matrix/media/v3/upload?filename=${encodeURIComponent(filename)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await adminToken(lab)}`, 'content-type': 'application/octet-stream' },
    body,
  });
  if (res.status !== 200) throw new Error(`upload ${filename}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { content_uri: string }).content_uri;
}

/** The sha256 of an mxc:// URI as Synapse serves it now (authenticated media). */
export async function mediaSha256(lab: Lab, mxc: string): Promise<string> {
  const res = await fetch(`${synapseUrlOf(lab)}/_matrix/client/v1/media/download/${mxc.slice('mxc://'.length)}`, {
    headers: { authorization: `Bearer ${await adminToken(lab)}` },
  });
  if (res.status !== 200) throw new Error(`download ${mxc}: HTTP ${res.status}`);
  return createHash('sha256')
    .update(Buffer.from(await res.arrayBuffer()))
    .digest('hex');
}

/** The .env settings that point the offsite copy at an s3rver on loopback. */
export function s3rverSettings(port: number) {
  return {
    S3_ENDPOINT: `http://127.0.0.1:${port}`,
    S3_REGION: 'us-east-1',
    S3_BUCKET: 'matrix-backups',
    S3_PREFIX: 'lab',
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
  };
}

const synapseUrlOf = (lab: Lab): string => `http://${lab.address}:${lab.settings.SYNAPSE_LOCAL_PORT}`;
const adminToken = async (lab: Lab): Promise<string> => (await readAdminState(lab.dir))?.access_token ?? '';

/** An S3 endpoint on loopback (s3rver, in this process) with one bucket, stored under `dir`. */
export interface S3Endpoint {
  port: number;
  stop(): Promise<void>;
  /** Starts it again on the same port and folder (after `stop`: the remote coming back). */
  start(): Promise<void>;
}

export async function startS3Endpoint(dir: string, bucket: string, port = 0): Promise<S3Endpoint> {
  const { default: S3rver } = await import('s3rver');
  let srv: InstanceType<typeof S3rver> | undefined;
  const endpoint: S3Endpoint = {
    port,
    async start() {
      srv = new S3rver({
        address: '127.0.0.1',
        port: endpoint.port,
        silent: true,
        directory: dir,
        configureBuckets: [{ name: bucket }],
      });
      endpoint.port = (await srv.run()).port;
    },
    async stop() {
      if (srv === undefined) return;
      srv.httpServer.closeAllConnections?.();
      await srv.close();
      srv = undefined;
    },
  };
  await endpoint.start();
  return endpoint;
}

/**
 * An rclone.conf with one `s3` remote, `offsite`, at that endpoint; small multipart parts, so an
 * archive goes up in several. NOTE: rclone 1.60's s3 backend fails at once when AWS_CA_BUNDLE is
 * set; callers running rclone delete it from the environment.
 */
export function rcloneConfFor(port: number): string {
  return [
    '[offsite]',
    'type = s3',
    'provider = Other',
    'access_key_id = S3RVER',
    'secret_access_key = S3RVER',
    `endpoint = http://127.0.0.1:${port}`,
    'upload_cutoff = 5Mi',
    'chunk_size = 5Mi',
    '',
  ].join('\n');
}
