// What restic prints: its --json messages (parsed with zod, so a restic that changes them fails
// loudly rather than being misread) and its fatal errors turned into mxctl's error codes.
import { z } from 'zod';
import { CommandError } from '../core/errors.ts';
import type { ErrorCode } from '../core/errors.ts';

export const snapshotSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{64}$/),
  short_id: z.string(),
  time: z.string(),
  hostname: z.string(),
  paths: z.array(z.string()),
  tags: z.array(z.string()).nullish(),
});
export type Snapshot = z.infer<typeof snapshotSchema>;

/** `restic backup --json`: status lines while it runs, one summary at the end. */
export const backupSummarySchema = z.object({
  message_type: z.literal('summary'),
  files_new: z.number(),
  files_changed: z.number(),
  files_unmodified: z.number(),
  data_added: z.number(),
  total_files_processed: z.number(),
  total_bytes_processed: z.number(),
  snapshot_id: z.string(),
});
export type BackupSummary = z.infer<typeof backupSummarySchema>;

export const backupStatusSchema = z.object({
  message_type: z.literal('status'),
  bytes_done: z.number().optional(),
  total_bytes: z.number().optional(),
});

/** `restic cat lock ID`. */
export const lockSchema = z.object({
  time: z.string(),
  exclusive: z.boolean(),
  hostname: z.string(),
  pid: z.number().int(),
});
export type ResticLock = z.infer<typeof lockSchema>;

/** `restic stats --mode raw-data --json`. */
export const statsSchema = z.object({ total_size: z.number() });

/** One JSON document, checked; a mismatch is restic's fault (or a version mxctl does not know). */
export function parseJson<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CommandError('E_COMMAND_FAILED', `restic ${what}: its output is not JSON.`, {
      file: 'restic',
      exitCode: 0,
      signal: undefined,
      stderrTail: text.slice(0, 300),
    });
  }
  const r = schema.safeParse(json);
  if (r.success) return r.data;
  throw new CommandError('E_COMMAND_FAILED', `restic ${what}: unexpected JSON (${r.error.issues[0]?.message ?? ''}).`, {
    file: 'restic',
    exitCode: 0,
    signal: undefined,
    stderrTail: text.slice(0, 300),
  });
}

/** Why restic failed, from its fatal message (restic 0.14 exits 1 for all of them). */
export type ResticFailure = 'wrong-password' | 'unreachable' | 'missing' | 'locked' | 'corrupt' | 'no-space' | 'failed';

const PATTERNS: [ResticFailure, RegExp][] = [
  ['wrong-password', /wrong password or no key found/i],
  // NOTE: before `missing`: restic 0.14 adds "Is there a repository at the following location?"
  // to any failure to read the config, an S3 endpoint that refuses connections included. An
  // unreachable store must never read as a missing repository (which a backup would create).
  [
    'unreachable',
    /error talking HTTP to rclone|connection refused|no such host|i\/o timeout|context deadline exceeded|network is unreachable|TLS handshake timeout/i,
  ],
  [
    'missing',
    /Is there a repository at the following location\?|repository does not exist|unable to open config file/i,
  ],
  ['locked', /repository is already locked/i],
  ['no-space', /no space left on device/i],
  [
    'corrupt',
    /repository contains errors|ciphertext verification failed|invalid data returned|pack file cannot be listed|wrong (?:hash|size)|errors occurred|decrypting blob .* failed|LoadBlob|blob .* not found|hash does not match/i,
  ],
];

export function classify(stderr: string): ResticFailure {
  for (const [failure, re] of PATTERNS) if (re.test(stderr)) return failure;
  return 'failed';
}

const CODES: Record<ResticFailure, ErrorCode> = {
  'wrong-password': 'E_REPOSITORY_PASSWORD',
  unreachable: 'E_OFFSITE_FAILED',
  missing: 'E_REPOSITORY_MISSING',
  locked: 'E_REPOSITORY_LOCKED',
  corrupt: 'E_REPOSITORY_CORRUPT',
  'no-space': 'E_NO_SPACE',
  failed: 'E_COMMAND_FAILED',
};

const HINTS: Record<ResticFailure, string | undefined> = {
  'wrong-password': 'The repository was made with another BACKUP_PASSPHRASE: put that one back in .env.',
  unreachable:
    "Nothing was changed. Check that this machine reaches the repository's storage (RESTIC_REPOSITORY: the S3 endpoint or the rclone remote), then run it again.",
  missing: 'Check RESTIC_REPOSITORY in .env; `mxctl backup` creates the repository on its first run.',
  locked: 'Another restic process uses the repository (see `restic list locks`); wait for it to end.',
  corrupt:
    'Run `mxctl backup verify --read-data`, restore an older backup, and check the disk the repository lives on.',
  'no-space': "Free space where the repository (or restic's cache in ~/.cache/restic) lives, then run it again.",
  failed: undefined,
};

const WORDS: Record<ResticFailure, string> = {
  'wrong-password': 'wrong password',
  unreachable: "the repository's storage did not answer",
  missing: 'missing',
  locked: 'locked',
  corrupt: 'corrupt',
  'no-space': 'no space',
  failed: 'see below',
};

/** A failed restic run as an MxError with the failure's code; the stderr tail is its detail (it holds no secret). */
export function resticError(
  purpose: string,
  exitCode: number | undefined,
  signal: string | undefined,
  stderr: string,
): CommandError {
  const failure = classify(stderr);
  const tailText = stderr.trimEnd().split('\n').slice(-12).join('\n');
  const how = signal !== undefined ? `was stopped by ${signal}` : `exited with code ${exitCode ?? '?'}`;
  const hint = HINTS[failure];
  return new CommandError(
    CODES[failure],
    `${purpose}: restic ${how} (${WORDS[failure]}).`,
    { file: 'restic', exitCode, signal, stderrTail: tailText },
    hint === undefined ? {} : { hint },
  );
}
