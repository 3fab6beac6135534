// Reading an archive back, for verify and restore: the archive adapter decrypts it and hashes every
// entry (staging the files and feeding the dump where asked); this decides what the outcome
// means: which failure the user sees, and every mismatch against the manifest.
// Nothing read is trusted until `readArchive` returns.
import { MxError, isMxError, wrapError } from '../../core/errors.ts';
import { parseManifest } from '../../core/backup/manifest.ts';
import type { Manifest } from '../../core/backup/manifest.ts';
import { archiveProblems } from '../../core/backup/archive-check.ts';
import { formatBytes } from '../../core/progress.ts';
import { TarTruncatedError } from '../../adapters/tar-stream.ts';
import { isNoSpace, isSystemError } from '../../adapters/fs.ts';
import type { StreamingProcess } from '../../adapters/postgres.ts';
import { readArchiveFile } from '../../adapters/archive/reader.ts';
import type { ArchiveContents } from '../../adapters/archive/reader.ts';
import type { Deps } from '../deps.ts';

export type ReadDeps = Pick<Deps, 'cipher' | 'progress'>;

export interface ReadOptions {
  /** Write entries here: deployment/... and, unless it goes to `dumpSink`, database.pgdump (0700). */
  stagingDir?: string;
  /** Stream the dump into this (e.g. pg_restore's stdin); ended after the last chunk. */
  dumpSink?: StreamingProcess['stdin'];
  /** With `dumpSink`: spool the dump through segment files here (see adapters/archive/dump-feed.ts). */
  dumpSpoolDir?: string;
  /** Files under these folders of `root` identical to the archived ones are staged as hard links. */
  reuseFrom?: { root: string; under: readonly string[] };
  /** The sidecar manifest, when there is one: its archive sha256 is checked too. */
  sidecar?: Manifest;
}

export interface ReadResult {
  manifest: Manifest;
  archiveBytes: number;
  /** Every mismatch found; empty = the archive is exactly what its manifest says. */
  problems: string[];
  /** uid/gid/mode per deployment path, as archived (restore re-applies them). */
  owners: ArchiveContents['owners'];
  /** Staged files that were hard links to identical live ones (`reuseFrom`), and their bytes. */
  reused: { files: number; bytes: number };
}

export async function readArchive(archivePath: string, o: ReadOptions, d: ReadDeps): Promise<ReadResult> {
  let seen: ArchiveContents;
  try {
    seen = await readArchiveFile(archivePath, d.cipher, {
      stagingDir: o.stagingDir,
      dumpSink: o.dumpSink,
      dumpSpoolDir: o.dumpSpoolDir,
      reuseFrom: o.reuseFrom,
      hashArchive: o.sidecar?.archive !== undefined,
      onBytes: d.progress.meter,
      onBacklog: (bytes) =>
        d.progress.step(`the archive is read; pg_restore is loading the last ${formatBytes(bytes)} of the dump`),
    });
  } catch (error) {
    throw readFailure(error, archivePath, o.stagingDir);
  }
  if (seen.manifestText === undefined)
    throw new MxError('E_BACKUP_CORRUPT', `${archivePath} has no manifest: it is incomplete (a backup cut short?).`);
  const parsed = parseManifest(seen.manifestText);
  if (!parsed.ok) throw new MxError('E_BACKUP_CORRUPT', `${archivePath}: its manifest is invalid: ${parsed.error}.`);
  const problems = archiveProblems(seen, parsed.manifest, o.sidecar);
  if (seen.consumerError !== undefined)
    problems.push(`the dump consumer failed: ${(seen.consumerError as Error).message}`);
  return {
    manifest: parsed.manifest,
    archiveBytes: seen.archive.bytes,
    problems,
    owners: seen.owners,
    reused: seen.reused,
  };
}

/** What a failed read means for the user: the passphrase, a damaged archive, or this machine's trouble. */
function readFailure(error: unknown, archivePath: string, stagingDir: string | undefined): MxError {
  if (isMxError(error, 'E_CIPHER')) return wrapError('E_BACKUP_CORRUPT', (m) => m, error);
  if (isMxError(error)) return error; // the passphrase (E_BACKUP_PASSPHRASE), gpg missing
  // NOTE: a failed write to staging or the spool is this machine's trouble, not the archive's.
  if (isNoSpace(error)) {
    return new MxError(
      'E_NO_SPACE',
      `Ran out of disk space unpacking ${archivePath}${stagingDir === undefined ? '' : ` into ${stagingDir}`}: nothing was changed.`,
      {
        hint: 'A restore needs room for the media and the database beside the current ones (see docs/RUNBOOK.md); free some space and run it again.',
        cause: error,
      },
    );
  }
  if (isSystemError(error)) {
    return new MxError(
      'E_COMMAND_FAILED',
      `Reading ${archivePath} failed on this machine (not a fault of the archive): ${error.message}.`,
      {
        hint: 'Nothing was changed; fix the cause named above and run it again.',
        cause: error,
      },
    );
  }
  const what =
    error instanceof TarTruncatedError
      ? 'the archive is truncated'
      : `the archive is damaged (${(error as Error).message})`;
  return new MxError('E_BACKUP_CORRUPT', `${archivePath}: ${what}.`, {
    hint: 'Use another backup (`mxctl backup list`).',
    cause: error,
  });
}

/**
 * `readArchive` with the dump streamed into a consumer process's stdin (pg_restore). A read that
 * throws kills the consumer; the consumer's own failure is returned in words, for the caller to
 * judge beside the archive's problems.
 */
export async function readArchiveInto(
  archivePath: string,
  consumer: StreamingProcess,
  o: Omit<ReadOptions, 'dumpSink'>,
  d: ReadDeps,
): Promise<{ read: ReadResult; consumerError?: string }> {
  let consumerError: string | undefined;
  const consumerDone = consumer.done.catch((e: unknown) => {
    consumerError = (isMxError(e) ? e.detail : undefined) ?? (e as Error).message;
  });
  try {
    const read = await readArchive(archivePath, { ...o, dumpSink: consumer.stdin }, d);
    await consumerDone;
    return consumerError === undefined ? { read } : { read, consumerError };
  } catch (error) {
    consumer.kill();
    await consumerDone;
    throw error;
  }
}
