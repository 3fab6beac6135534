// The restore's safety net: what the current state is saved as before the restore replaces it.
// A database with Synapse's schema gets a full safety backup. A database without one (a fresh
// server, or one whose database volume was lost) has nothing to back up, and refusing there would
// force --no-safety-backup exactly when an admin is recovering from a loss; so the restore goes
// on, says why, and keeps every file it replaces (config, media) in a private folder instead.
import { join } from 'node:path';
import { MxError } from '../../core/errors.ts';
import type { Deps } from '../deps.ts';
import { writeBackupLocked } from './write.ts';
import { ensureBackupDir } from './location.ts';

export type SafetyDeps = Pick<Deps, 'deployment' | 'postgres' | 'cipher' | 'synapse' | 'lock' | 'clock' | 'progress'> &
  Partial<Pick<Deps, 'restic'>>;

export interface Safety {
  /** The id of the safety backup, when one was taken. */
  backup?: string;
  /** Why none was taken (absent with --no-safety-backup: the admin said so). */
  skipped?: string;
  /** Where the files the restore replaces are kept when there is no safety backup. */
  keepReplacedIn?: string;
}

export const NO_SCHEMA_REASON =
  'the database has no Synapse schema (a fresh or lost database): there is nothing in it to save';

/** A deployment just recreated from the backup (disaster recovery): what it holds is the backup's. */
export const NEW_DEPLOYMENT_REASON =
  "a deployment just recreated from this backup: its files are the backup's and its database is new";

export async function takeSafety(
  wanted: boolean,
  phase: { next(name: string): void },
  d: SafetyDeps,
  o: { newDeployment?: boolean } = {},
): Promise<Safety> {
  if (!wanted) return {};
  const schema = await d.postgres.schemaVersions();
  // NOTE: a database that already holds a Synapse schema (its volume outlived the folder) is
  // saved even then: recreating the folder says nothing about what the volume holds.
  if (schema === undefined && o.newDeployment === true) {
    d.progress.step(`no safety backup: ${NEW_DEPLOYMENT_REASON}`);
    return { skipped: NEW_DEPLOYMENT_REASON };
  }
  if (schema === undefined) {
    d.progress.step(`no safety backup: ${NO_SCHEMA_REASON}; the files the restore replaces are kept`);
    const dir = await ensureBackupDir(d.deployment);
    return { skipped: NO_SCHEMA_REASON, keepReplacedIn: join(dir, `pre-restore-files-${stamp(d.clock.now())}`) };
  }
  phase.next('safety backup of the current state');
  return { backup: (await safetyBackup(d)).id };
}

/** 2026-12-02T17:20:05.123Z → 2026-12-02_172005 (the backups' own id format). */
function stamp(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10)}_${iso.slice(11, 19).split(':').join('')}`;
}

async function safetyBackup(d: SafetyDeps): Promise<{ id: string }> {
  try {
    // NOTE: its own steps are not shown: the restore's phase names it; its bytes are.
    // NOTE: in the deployment's backup mode: a repository-mode safety backup costs what changed.
    return await writeBackupLocked(
      { tag: 'pre-restore' },
      { ...d, progress: { step: () => undefined, meter: d.progress.meter } },
    );
  } catch (error) {
    throw new MxError(
      'E_RESTORE_REFUSED',
      `The safety backup of the current state failed, so nothing was restored: ${(error as Error).message}`,
      {
        hint: 'Fix that, or (when the current state is worthless, e.g. a fresh server) run again with --no-safety-backup.',
        cause: error,
      },
    );
  }
}
