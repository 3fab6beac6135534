// An rclone remote as the offsite copy: any backend rclone speaks (sftp, s3, b2, webdav ...),
// driven through the `rclone` binary. Credentials stay in rclone.conf (or rclone's environment),
// never in argv: the remote is a configured `name:path`, and RCLONE_CONFIG reaches rclone through
// its environment. Uploads are rclone's own (multipart/chunked per backend, its post-copy checksum
// check); afterwards we read the object's size and hashes back and compare them with the local
// file's md5/sha1/sha256, whichever the remote reports (size only when it reports none).
// Retries: rclone's --retries/--low-level-retries retry what rclone classes as temporary; its exit
// code says which kind of failure ended the run, and we put that into words.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MxError } from '../core/errors.ts';
import { run } from './exec.ts';
import type { RunResult } from './exec.ts';
import { writeViaTemp } from './fs.ts';
import type { ObjectStore, RemoteObject } from './object-store.ts';

export interface RcloneSettings {
  /** A configured remote and folder, `name:path`. */
  remote: string;
  /** Path to rclone.conf; undefined = rclone's default. */
  config?: string;
  /** The binary (tests point it at a fault-injecting wrapper). */
  binary?: string;
}

/** rclone's documented exit codes (docs/content/docs.md, "Exit Code"). */
const EXIT_WORDS: Record<number, string> = {
  // NOTE: rclone 1.60 also ends with 1 when an uncategorised error remains (connection
  // refused after the low-level retries, for one): the detail below says which.
  1: 'failed (a usage error or an uncategorised one such as an unreachable remote)',
  2: 'error not otherwise categorised',
  3: 'directory not found',
  4: 'file not found',
  5: 'temporary error (still failing after the retries)',
  6: 'less serious error (not retried)',
  7: 'fatal error (retries would not fix it: credentials, quota, account)',
  8: 'transfer limit exceeded',
  9: 'no files transferred',
  10: 'duration limit exceeded',
};

// NOTE: --ask-password=false: an encrypted rclone.conf without RCLONE_CONFIG_PASS must fail, not
// wait for a prompt in a cron job. --low-level-retries 5, not rclone's 10: its backoff grows
// exponentially, and 10 keeps a run against an unreachable remote busy for ~3 minutes per call
// (measured with rclone 1.60) where 5 gives up after ~5-15 s; the next run catches up anyway.
const COMMON = ['--ask-password=false', '--retries', '3', '--low-level-retries', '5', '--retries-sleep', '2s'];

const HASHES = ['md5', 'sha1', 'sha256'] as const;

/** The local file's digests in the named algorithms, in one read. */
async function localHashes(path: string, algorithms: readonly string[]): Promise<Map<string, string>> {
  const h = algorithms.map((a) => [a, createHash(a)] as const);
  if (h.length === 0) return new Map();
  for await (const chunk of createReadStream(path)) for (const [, x] of h) x.update(chunk as Buffer);
  return new Map(h.map(([a, x]) => [a, x.digest('hex')]));
}

interface LsEntry {
  Path?: string;
  Name?: string;
  Size?: number;
  IsDir?: boolean;
  Hashes?: Record<string, string>;
}

const hint =
  'Check RCLONE_REMOTE and RCLONE_CONFIG in .env; `rclone --config RCLONE_CONFIG lsjson RCLONE_REMOTE` tests the remote by hand.';

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MxError('E_OFFSITE_FAILED', `${what} failed: rclone's answer is not JSON.`, { hint });
  }
}

function failed(r: RunResult, what: string): MxError {
  const words = EXIT_WORDS[r.exitCode] ?? `exit code ${r.exitCode}`;
  // NOTE: rclone logs URLs; a remote configured as https://user:password@host would show the
  // password in them, so any userinfo in a URL is blanked.
  const last = r.stderr
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-3)
    .join('\n')
    .replace(/\/\/[^/\s@]+@/g, '//REDACTED@');
  return new MxError('E_OFFSITE_FAILED', `${what}: rclone exited with code ${r.exitCode}, ${words}.`, {
    hint,
    ...(last === '' ? {} : { detail: last }),
  });
}

/** The uploaded object read back: there, the same size, and every digest the remote reports equal. */
async function checkUploaded(
  got: LsEntry | undefined,
  f: { where: string; name: string; path: string; size: number },
): Promise<void> {
  const { where, name } = f;
  if (got === undefined)
    throw new MxError('E_OFFSITE_FAILED', `${where}: ${name} is not there after the upload.`, { hint });
  if (got.Size !== f.size)
    throw new MxError(
      'E_OFFSITE_FAILED',
      `${where}: ${name} does not match the local archive (size ${got.Size} vs ${f.size}).`,
      { hint },
    );
  // NOTE: only the digests the remote reports are computed: each is a full read of the archive's CPU.
  const reported = HASHES.filter((a) => (got.Hashes?.[a] ?? '') !== '');
  const want = await localHashes(f.path, reported);
  for (const a of reported) {
    if (got.Hashes?.[a]?.toLowerCase() !== want.get(a)) {
      throw new MxError(
        'E_OFFSITE_FAILED',
        `${where}: ${name} arrived damaged (${a} differs from the local archive).`,
        { hint },
      );
    }
  }
}

export function createRcloneStore(s: RcloneSettings): ObjectStore {
  const remote = s.remote;
  const where = remote;
  const at = (name: string) =>
    remote.endsWith(':') || remote.endsWith('/') ? `${remote}${name}` : `${remote}/${name}`;
  const env = s.config === undefined ? undefined : { RCLONE_CONFIG: s.config };

  function rclone(args: readonly string[], what: string): Promise<RunResult> {
    return run(s.binary ?? 'rclone', [...args, ...COMMON], {
      purpose: what,
      reject: false,
      ...(env === undefined ? {} : { env }),
    });
  }

  async function stat1(name: string): Promise<LsEntry | undefined> {
    const r = await rclone(
      ['lsjson', '--stat', '--hash', '--no-mimetype', at(name)],
      `reading back ${name} from ${where}`,
    );
    if (r.exitCode === 3 || r.exitCode === 4) return undefined;
    if (r.exitCode !== 0) throw failed(r, `reading back ${name} from ${where} failed`);
    const e = parseJson(r.stdout, `reading back ${name} from ${where}`) as LsEntry;
    // NOTE: on bucket remotes a missing object stats as an (implicit) directory.
    return e.IsDir === true ? undefined : e;
  }

  const store: ObjectStore = {
    description: `rclone ${where}`,
    async list(): Promise<RemoteObject[]> {
      const r = await rclone(['lsjson', '--files-only', '--no-mimetype', '--no-modtime', remote], `listing ${where}`);
      // NOTE: a remote folder nothing was uploaded to yet is an empty listing, not an error
      // (and an empty listing never prunes anything).
      if (r.exitCode === 3) return [];
      if (r.exitCode !== 0) throw failed(r, `listing ${where} failed`);
      const parsed = parseJson(r.stdout, `listing ${where}`);
      if (!Array.isArray(parsed))
        throw new MxError('E_OFFSITE_FAILED', `listing ${where} failed: rclone's answer is not a list.`, { hint });
      return (parsed as LsEntry[])
        .filter((e) => e.IsDir !== true && typeof e.Path === 'string')
        .map((e) => ({ key: e.Path ?? '', size: e.Size ?? 0 }));
    },
    async putFile(name, path, onProgress) {
      const size = (await stat(path)).size;
      const r = await rclone(['copyto', path, at(name)], `uploading ${name} to ${where}`);
      if (r.exitCode !== 0) throw failed(r, `uploading ${name} to ${where} failed`);
      await checkUploaded(await stat1(name), { where, name, path, size });
      onProgress?.(size);
    },
    async putBytes(name, data) {
      const dir = await mkdtemp(join(tmpdir(), 'mxctl-rclone-'));
      try {
        const p = join(dir, name);
        await writeFile(p, data, { mode: 0o600 });
        await store.putFile(name, p);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    async getFile(name, path) {
      await writeViaTemp(path, async (tmp) => {
        const r = await rclone(['copyto', at(name), tmp], `downloading ${name} from ${where}`);
        if (r.exitCode !== 0) throw failed(r, `downloading ${name} from ${where} failed`);
      });
    },
    async remove(name) {
      // NOTE: rclone's deletefile answers a missing file with exit 1 (like a usage error), so look first.
      if ((await stat1(name)) === undefined) return;
      const r = await rclone(['deletefile', at(name)], `deleting ${name} from ${where}`);
      if (r.exitCode !== 0) throw failed(r, `deleting ${name} from ${where} failed`);
    },
  };
  return store;
}
