// Disaster recovery, first half: a deployment recreated on a new machine from nothing but a
// backup and its passphrase. The archive (a file, or fetched from the offsite target) is read
// once, every sha256 checked against its manifest, and its deployment files put into the empty
// folder: the backup's own .env (server name, secrets, image pins) with only the machine's
// settings changed (core/backup/recreate-settings.ts), its signing key, config, certificates and
// media. The database is not loaded here: the second half is an ordinary `restore` into the
// deployment this made (cli/backup/recover-run.ts), with its pre-flight, swap and checklist.
// Whatever fails here leaves the folder as it was found (absent or empty).
import { join } from 'node:path';
import { MxError } from '../../core/errors.ts';
import { parseEnvFile } from '../../core/env-file.ts';
import { formatSettings, parseSettings } from '../../core/settings.ts';
import { isBackupId } from '../../core/backup/naming.ts';
import { overrideProblems, recreateSettings } from '../../core/backup/recreate-settings.ts';
import type { Override } from '../../core/backup/recreate-settings.ts';
import {
  discardSink,
  ensurePrivateDir,
  isDirectory,
  listDir,
  mkdir,
  pathExists,
  readTextIfAny,
  removeEmptyDir,
  removePath,
  writeFileAtomic,
} from '../../adapters/fs.ts';
import { withLock } from '../../adapters/lock.ts';
import { StagingFolder } from '../../adapters/archive/staged-files.ts';
import type { ObjectStore } from '../../adapters/object-store.ts';
import type { Deps } from '../deps.ts';
import { isDeployment } from '../deployment.ts';
import { downloadOffsite, OFFSITE_SETTINGS } from './offsite.ts';
import { readArchive } from './read.ts';

export type RecreateDeps = Pick<Deps, 'cipher' | 'lock' | 'clock' | 'progress'> & { offsite?: ObjectStore | undefined };

export interface RecreateOptions {
  /** The new deployment's folder: absent or empty. */
  root: string;
  /** An archive file, or (with an offsite target) a backup id or latest. */
  ref: string;
  fromOffsite: boolean;
  overrides: readonly Override[];
}

export interface RecreateReport {
  root: string;
  id: string;
  /** The archive on this machine (given, or downloaded into the new backups folder). */
  archive: string;
  files: number;
  /** Settings changed from the backup's, by name (values may be secrets). */
  changed: string[];
}

/** Where a recovery's lock lives: inside the new folder, the one thing the cleanup leaves. */
const LOCK = '.mxctl-recover.lock';
/** Present from the first file written to the last (.env): a recovery killed part-way left it. */
const UNFINISHED = '.mxctl-recovering';

/**
 * absent / empty: a recovery may go there; unfinished: a recovery was killed there part-way (the
 * next one starts it over); deployment: an ordinary restore; else neither.
 */
export async function folderState(root: string): Promise<'absent' | 'empty' | 'unfinished' | 'deployment' | 'other'> {
  if (!(await pathExists(root))) return 'absent';
  if (!(await isDirectory(root))) return 'other';
  if (await pathExists(join(root, UNFINISHED))) return 'unfinished';
  if (await isDeployment(root)) return 'deployment';
  return (await listDir(root)).length === 0 ? 'empty' : 'other';
}

export async function recreateDeployment(o: RecreateOptions, d: RecreateDeps): Promise<RecreateReport> {
  const problems = overrideProblems(o.overrides);
  if (problems.length > 0)
    throw new MxError('E_USAGE', `--set: ${problems.join('; ')}.`, { hint: 'Nothing was changed.' });
  const state = await folderState(o.root);
  if (state !== 'absent' && state !== 'empty' && state !== 'unfinished')
    throw new MxError('E_USAGE', `${o.root} is not empty: a deployment is recreated only into an empty folder.`, {
      hint: 'Give a new folder with --dir, or restore into an existing deployment by pointing --dir at it.',
    });
  await mkdir(o.root, { recursive: true, mode: 0o755 });
  try {
    return await withLock(d.lock, join(o.root, LOCK), `recreate from ${o.ref}`, async () => {
      try {
        // What a killed recovery left (we hold the lock: nobody is using it) goes first.
        if (state === 'unfinished') await leaveAsFound(o.root, false);
        await writeFileAtomic(join(o.root, UNFINISHED), `${d.clock.now().toISOString()} ${o.ref}\n`, 0o600);
        const report = await recreate(o, d);
        await removePath(join(o.root, UNFINISHED));
        return report;
      } catch (error) {
        await leaveAsFound(o.root, false);
        throw error;
      }
    });
  } catch (error) {
    // NOTE: the folder itself only once the lock (inside it) is released.
    if (state === 'absent') await removeEmptyDir(o.root);
    throw error;
  }
}

async function recreate(o: RecreateOptions, d: RecreateDeps): Promise<RecreateReport> {
  const { id, archive } = await archiveOf(o, d);
  const staging = await StagingFolder.create(o.root);
  try {
    d.progress.step(`decrypting and checking ${id}; its deployment files into ${o.root}`);
    // NOTE: the dump is checked (sha256) and dropped: the restore that follows loads it into the
    // database with its own pre-flight, and a second copy of it on disk would only cost space.
    const read = await readArchive(archive, { stagingDir: staging.path, dumpSink: discardSink() }, d);
    if (read.problems.length > 0)
      throw new MxError('E_BACKUP_CORRUPT', `${id} does not match its manifest: nothing was recreated.`, {
        detail: read.problems.map((p) => `  - ${p}`).join('\n'),
      });
    const settings = await settingsOf(staging, id, o.overrides);
    const files = await staging.putBack(o.root, read.owners, {
      wholeDirs: [],
      isRestored: () => true,
      leadsToRestored: () => true,
    });
    await writeFileAtomic(join(o.root, '.env'), formatSettings(settings.settings), 0o600);
    return { root: o.root, id, archive, files: files.length, changed: settings.changed };
  } finally {
    await staging.remove();
  }
}

async function archiveOf(o: RecreateOptions, d: RecreateDeps): Promise<{ id: string; archive: string }> {
  if (o.fromOffsite) {
    if (d.offsite === undefined)
      throw new MxError('E_USAGE', `--from-offsite on a new machine needs the offsite target: ${OFFSITE_SETTINGS}.`, {
        hint: 'Give them in a file (--offsite-config FILE, mode 0600) or in the environment.',
      });
    // NOTE: the default backups folder: the backup's BACKUP_DIR may name a path of the old machine.
    const dir = join(o.root, 'backups');
    await ensurePrivateDir(dir);
    const id = await downloadOffsite(d.offsite, o.ref, dir, d.progress.step);
    return { id, archive: join(dir, `${id}.tar.gpg`) };
  }
  if (o.ref === 'latest' || isBackupId(o.ref))
    throw new MxError('E_USAGE', `${o.ref}: a new machine has no backups of its own to choose from.`, {
      hint: 'Give the archive file (.tar.gpg), or fetch it with --from-offsite.',
    });
  if (!(await pathExists(o.ref))) throw new MxError('E_BACKUP_NOT_FOUND', `No archive at ${o.ref}.`);
  return {
    id:
      o.ref
        .split('/')
        .at(-1)
        ?.replace(/\.tar\.gpg$/, '') ?? o.ref,
    archive: o.ref,
  };
}

async function settingsOf(staging: StagingFolder, id: string, overrides: readonly Override[]) {
  const text = await readTextIfAny(staging.deploymentPath('.env'));
  if (text === undefined)
    throw new MxError('E_RESTORE_REFUSED', `${id} holds no .env: there is no deployment in it to recreate.`, {
      hint: 'Create one with `mxctl init` (the same --domain), then restore the backup into it.',
    });
  const archived = parseSettings(parseEnvFile(text).values);
  if (!archived.ok)
    throw new MxError('E_RESTORE_REFUSED', `The .env in ${id} is not valid: ${archived.errors.join('; ')}.`);
  const r = recreateSettings(archived.settings, overrides);
  if (!r.ok) throw new MxError('E_USAGE', `--set: ${r.errors.join('; ')}.`, { hint: 'Nothing was changed.' });
  return r;
}

/** The folder back to empty (but for a lock held), or absent when `created` and nothing is left. */
async function leaveAsFound(root: string, created: boolean): Promise<void> {
  for (const name of await listDir(root)) if (name !== LOCK) await removePath(join(root, name));
  if (created) await removeEmptyDir(root);
}

/** The recreated deployment removed again, when the restore into it could not start (ports held). */
export async function abandonRecreated(root: string, created: boolean): Promise<void> {
  await leaveAsFound(root, created);
}
