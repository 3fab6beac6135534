// The upgrade journal on disk: state/upgrades.json, mode 0600, written atomically before and
// after every step (core/upgrade/journal.ts is the state machine). It is this machine's history:
// a restore does not put an older copy back (core/backup/restore-plan.ts keeps it).
import { join } from 'node:path';
import { MxError } from '../../core/errors.ts';
import { advance, parseJournal, replaceEntry } from '../../core/upgrade/journal.ts';
import type { Journal, JournalEntry, UpgradePhase } from '../../core/upgrade/journal.ts';
import { ensurePrivateDir, readTextIfExists, writeFileAtomic } from '../../adapters/fs.ts';
import type { Deps } from '../deps.ts';

export const JOURNAL_FILE = 'state/upgrades.json';

type JournalDeps = Pick<Deps, 'deployment' | 'clock'>;

function journalPath(d: Pick<Deps, 'deployment'>): string {
  return join(d.deployment.root, JOURNAL_FILE);
}

export async function readJournal(d: Pick<Deps, 'deployment'>): Promise<Journal> {
  const path = journalPath(d);
  const text = await readTextIfExists(path);
  try {
    return parseJournal(text);
  } catch (cause) {
    throw new MxError('E_CONFIG_INVALID', `${path} is not a readable upgrade journal.`, {
      cause,
      hint: 'It is JSON written by mxctl: restore it from a backup, or move it away to start a new history.',
    });
  }
}

async function writeJournal(d: Pick<Deps, 'deployment'>, j: Journal): Promise<void> {
  await ensurePrivateDir(d.deployment.stateDir);
  await writeFileAtomic(journalPath(d), `${JSON.stringify(j, null, 2)}\n`, 0o600);
}

/**
 * One entry's history, kept on disk at every move. `move` is the only way an entry changes phase:
 * the file says the phase reached before the next step starts, so a kill -9 leaves a true record.
 */
export class JournalRecorder {
  private journal: Journal;
  entry: JournalEntry;
  private readonly d: JournalDeps;

  private constructor(journal: Journal, entry: JournalEntry, d: JournalDeps) {
    this.journal = journal;
    this.entry = entry;
    this.d = d;
  }

  static async open(d: JournalDeps, entry: JournalEntry): Promise<JournalRecorder> {
    const r = new JournalRecorder(await readJournal(d), entry, d);
    await r.save();
    return r;
  }

  async move(phase: UpgradePhase, error?: string): Promise<void> {
    this.entry = advance(this.entry, phase, this.d.clock.now(), error);
    await this.save();
  }

  async set(
    fields: Partial<Pick<JournalEntry, 'backupId' | 'rollbackImage' | 'to' | 'rollbackNeedsRestore' | 'postgres'>>,
  ) {
    this.entry = { ...this.entry, ...fields };
    await this.save();
  }

  /** Written again from memory: a database restore may have replaced state/ meanwhile. */
  async save(): Promise<void> {
    const onDisk = await readJournal(this.d).catch(() => this.journal);
    this.journal = replaceEntry(onDisk, this.entry);
    await writeJournal(this.d, this.journal);
  }
}
