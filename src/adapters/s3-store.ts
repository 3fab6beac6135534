// An S3-compatible bucket as the offsite copy (AWS SDK v3). Uploads are multipart with our own
// part loop so every part's MD5 is checked against the ETag the server answers, then the
// object's size (and its ETag, whichever of the two conventions the server uses) after
// completion. Retries: the SDK's standard strategy, which retries throttling, 5xx and network
// errors only; 4xx answers fail at once.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { MxError } from '../core/errors.ts';
import { writeViaTemp } from './fs.ts';
import type { ObjectStore, RemoteObject } from './object-store.ts';

export interface S3Settings {
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** 64 MiB parts: the memory bound of an upload, and up to ~625 GiB under S3's 10,000-part limit. */
export const PART_BYTES = 64 * 1024 * 1024;

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const unquote = (etag: string | undefined) => (etag ?? '').replaceAll('"', '');

function describe(error: unknown, what: string): MxError {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  const status = e.$metadata?.httpStatusCode;
  const why = status !== undefined ? `HTTP ${status} ${e.name ?? ''}` : (e.code ?? e.name ?? 'error');
  return new MxError(
    'E_OFFSITE_FAILED',
    `${what}: ${why}${e.message !== undefined && e.message !== '' ? ` (${e.message.slice(0, 200)})` : ''}.`,
    {
      hint: 'The local backup is kept; the next `mxctl backup` uploads what is missing. Check the S3_* settings in .env and the endpoint.',
      cause: error,
    },
  );
}

type Sdk = typeof S3Sdk;
interface Connection {
  sdk: Sdk;
  client: S3Client;
}

// WHY loaded on first use: the SDK is ~34 MiB of resident memory once imported, and most
// processes never touch S3 (the monitor daemon's budget is 80 MiB; `check`, admin commands).
let sdkLoading: Promise<Sdk> | undefined;
const loadSdk = (): Promise<Sdk> => (sdkLoading ??= import('@aws-sdk/client-s3'));

export function createS3Store(s: S3Settings): ObjectStore {
  let connecting: Promise<Connection> | undefined;
  const connect = (): Promise<Connection> =>
    (connecting ??= loadSdk().then((sdk) => ({ sdk, client: s3Client(sdk, s) })));
  const key = (name: string) => `${s.prefix.replace(/\/+$/, '')}${s.prefix === '' ? '' : '/'}${name}`;
  const where = `s3://${s.bucket}/${s.prefix}`;

  return {
    description: where,
    async list() {
      const { sdk, client } = await connect();
      const out: RemoteObject[] = [];
      let token: string | undefined;
      try {
        do {
          const r = await client.send(
            new sdk.ListObjectsV2Command({
              Bucket: s.bucket,
              Prefix: s.prefix === '' ? undefined : key(''),
              ContinuationToken: token,
            }),
          );
          for (const o of r.Contents ?? [])
            if (o.Key !== undefined) out.push({ key: o.Key.slice(key('').length), size: o.Size ?? 0 });
          token = r.IsTruncated === true ? r.NextContinuationToken : undefined;
        } while (token !== undefined);
      } catch (error) {
        throw describe(error, `listing ${where} failed`);
      }
      return out;
    },
    async putBytes(name, data) {
      const { sdk, client } = await connect();
      try {
        const r = await client.send(
          new sdk.PutObjectCommand({
            Bucket: s.bucket,
            Key: key(name),
            Body: data,
            ContentMD5: createHash('md5').update(data).digest('base64'),
          }),
        );
        if (unquote(r.ETag) !== md5(data))
          throw new MxError('E_OFFSITE_FAILED', `${where}${name}: the stored checksum differs from what was sent.`);
      } catch (error) {
        if (error instanceof MxError) throw error;
        throw describe(error, `uploading ${name} to ${where} failed`);
      }
    },
    async getFile(name, path) {
      const { sdk, client } = await connect();
      try {
        await writeViaTemp(path, async (tmp) => {
          const r = await client.send(new sdk.GetObjectCommand({ Bucket: s.bucket, Key: key(name) }));
          await pipeline(r.Body as Readable, createWriteStream(tmp, { mode: 0o600 }));
        });
      } catch (error) {
        throw describe(error, `downloading ${name} from ${where} failed`);
      }
    },
    async remove(name) {
      const { sdk, client } = await connect();
      try {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: s.bucket, Key: key(name) }));
      } catch (error) {
        throw describe(error, `deleting ${name} from ${where} failed`);
      }
    },
    async putFile(name, path, onProgress) {
      await uploadMultipart(await connect(), { bucket: s.bucket, key: key(name), where, name, path }, onProgress);
    },
  };
}

function s3Client(sdk: Sdk, s: S3Settings): S3Client {
  return new sdk.S3Client({
    region: s.region === '' ? 'us-east-1' : s.region,
    ...(s.endpoint === '' ? {} : { endpoint: s.endpoint, forcePathStyle: true }),
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    maxAttempts: 4,
    // NOTE: several S3-compatibles reject the SDK's default CRC32 trailers (aws-sdk-js-v3 #6810);
    // integrity is checked with Content-MD5/ETag per part instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

interface Upload {
  bucket: string;
  key: string;
  /** For messages: the bucket and prefix, and the object's name. */
  where: string;
  name: string;
  /** The local file. */
  path: string;
}

/** Our own part loop: every part's MD5 against its ETag, then the whole object's size and ETag. */
async function uploadMultipart(
  { sdk, client }: Connection,
  u: Upload,
  onProgress: ((sent: number) => void) | undefined,
): Promise<void> {
  const file = await open(u.path, 'r');
  let uploadId: string | undefined;
  try {
    const size = (await file.stat()).size;
    const created = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket: u.bucket, Key: u.key }));
    uploadId = created.UploadId;
    const parts: { ETag: string; PartNumber: number }[] = [];
    const whole = createHash('md5');
    const partMd5s: Buffer[] = [];
    const buf = Buffer.allocUnsafe(PART_BYTES);
    let offset = 0;
    for (let n = 1; offset < size || n === 1; n++) {
      const { bytesRead } = await file.read(buf, 0, Math.min(PART_BYTES, size - offset), offset);
      const body = buf.subarray(0, bytesRead);
      const digest = createHash('md5').update(body).digest();
      whole.update(body);
      partMd5s.push(digest);
      const r = await client.send(
        new sdk.UploadPartCommand({
          Bucket: u.bucket,
          Key: u.key,
          UploadId: uploadId,
          PartNumber: n,
          Body: body,
          ContentMD5: digest.toString('base64'),
        }),
      );
      if (unquote(r.ETag) !== digest.toString('hex'))
        throw new MxError('E_OFFSITE_FAILED', `${u.where}${u.name}: part ${n} arrived damaged (ETag mismatch).`);
      parts.push({ ETag: r.ETag ?? '', PartNumber: n });
      offset += bytesRead;
      onProgress?.(offset);
      if (bytesRead === 0) break;
    }
    const done = await client.send(
      new sdk.CompleteMultipartUploadCommand({
        Bucket: u.bucket,
        Key: u.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    uploadId = undefined;
    const head = await client.send(new sdk.HeadObjectCommand({ Bucket: u.bucket, Key: u.key }));
    // AWS: md5 of the parts' md5s + "-N"; some S3-compatibles: the whole object's md5.
    const multi = `${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-${parts.length}`;
    const etag = unquote(head.ETag ?? done.ETag);
    if (head.ContentLength !== size || (etag !== multi && etag !== whole.digest('hex'))) {
      throw new MxError(
        'E_OFFSITE_FAILED',
        `${u.where}${u.name}: the uploaded object does not match the local archive (size ${head.ContentLength} vs ${size}, ETag ${etag}).`,
      );
    }
  } catch (error) {
    if (uploadId !== undefined)
      await client
        .send(new sdk.AbortMultipartUploadCommand({ Bucket: u.bucket, Key: u.key, UploadId: uploadId }))
        .catch(() => undefined);
    if (error instanceof MxError) throw error;
    throw describe(error, `uploading ${u.name} to ${u.where} failed`);
  } finally {
    await file.close();
  }
}
