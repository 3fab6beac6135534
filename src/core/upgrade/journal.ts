// The upgrade journal's state machine (state/upgrades.json). Each upgrade of one service is an
// entry that moves through named phases; the entry is written before and after every step, so a
// process killed half-way (kill -9) leaves the phase it reached, and the next `mxctl upgrade` or
// `mxctl rollback` knows what to do from it. Pure: the file is read and written in ops.

export type UpgradePhase =
  | 'started' // checks passed, nothing changed yet
  | 'backed-up' // the pre-upgrade backup is made and verified
  | 'pulled' // the target image is here, its digest known; the old one tagged for rollback
  | 'loading' // PostgreSQL major: Synapse stopped, the old cluster being dumped into a new volume
  | 'loaded' // PostgreSQL major: the new volume holds the whole database, counts checked
  | 'pinned' // .env names the target
  | 'recreated' // the service was recreated on the target
  | 'healthy' // the gate passed: done
  | 'rolling-back' // the gate failed (or an admin asked): going back
  | 'rolled-back' // back on the previous pin, healthy
  | 'rollback-failed' // could not get back: a person is needed
  | 'abandoned'; // stopped before the pin was written: nothing to undo

const NEXT: Record<UpgradePhase, readonly UpgradePhase[]> = {
  started: ['backed-up', 'abandoned'],
  'backed-up': ['pulled', 'abandoned'],
  pulled: ['pinned', 'loading', 'abandoned'],
  // NOTE: a PostgreSQL major upgrade that stops before the pin goes back to the old cluster,
  // whose volume it never wrote to: rolling back is always possible and loses nothing.
  loading: ['loaded', 'rolling-back'],
  loaded: ['pinned', 'rolling-back'],
  pinned: ['recreated', 'rolling-back'],
  recreated: ['healthy', 'rolling-back'],
  healthy: ['rolling-back'],
  'rolling-back': ['rolled-back', 'rollback-failed'],
  'rolled-back': [],
  'rollback-failed': ['rolling-back'],
  abandoned: [],
};

export interface JournalEntry {
  /** `YYYYMMDD-HHMMSS-service`: also the tag of the image kept for rollback. */
  id: string;
  service: string;
  /** The pin before and after, as written in .env. */
  from: string;
  to: string;
  /** The previous image, tagged locally so a rollback needs no registry. */
  rollbackImage: string | undefined;
  backupId: string | undefined;
  /** Going back to `from` needs the backup restored (the target raised the compat). */
  rollbackNeedsRestore: boolean;
  phase: UpgradePhase;
  steps: { phase: UpgradePhase; at: string }[];
  error: string | undefined;
  /** A PostgreSQL major upgrade: the cluster moves to a new volume (absent for every other kind). */
  postgres?: PostgresMove;
}

/** The volumes and mount points before and after a PostgreSQL major upgrade. */
export interface PostgresMove {
  fromMajor: number;
  toMajor: number;
  fromVolume: string;
  toVolume: string;
  fromMount: string;
  toMount: string;
  /** Volumes of this upgrade the admin removed since (`mxctl upgrade remove-old-volume`). */
  removedVolumes?: string[];
}

export interface Journal {
  entries: JournalEntry[];
}

export function canMove(from: UpgradePhase, to: UpgradePhase): boolean {
  return NEXT[from].includes(to);
}

/** The entry in its next phase; throws on a move the machine does not allow (a bug). */
export function advance(e: JournalEntry, phase: UpgradePhase, at: Date, error?: string): JournalEntry {
  if (!canMove(e.phase, phase)) throw new Error(`upgrade journal: ${e.phase} → ${phase} is not a move`);
  return { ...e, phase, steps: [...e.steps, { phase, at: at.toISOString() }], error: error ?? e.error };
}

export function isFinished(phase: UpgradePhase): boolean {
  return phase === 'healthy' || phase === 'rolled-back' || phase === 'abandoned';
}

/**
 * What the next run does with an entry a killed run left: `abandon` (the pin was never written),
 * `gate` (the target may be running: check it, roll back if it fails), `roll-back` (finish going
 * back), or `none`.
 */
export type ResumeAction = 'none' | 'abandon' | 'gate' | 'roll-back';

export function resumeAction(e: JournalEntry): ResumeAction {
  switch (e.phase) {
    case 'started':
    case 'backed-up':
    case 'pulled':
      return 'abandon';
    case 'pinned':
    case 'recreated':
      return 'gate';
    case 'loading':
    case 'loaded':
    case 'rolling-back':
    case 'rollback-failed':
      return 'roll-back';
    default:
      return 'none';
  }
}

/** The newest entry a run did not finish, if any. */
export function unfinished(j: Journal): JournalEntry | undefined {
  return [...j.entries].reverse().find((e) => !isFinished(e.phase));
}

/** The entry to roll back to: the one named, or the newest healthy one. */
export function rollbackCandidate(j: Journal, id?: string): JournalEntry | undefined {
  if (id !== undefined) return j.entries.find((e) => e.id === id);
  return [...j.entries].reverse().find((e) => e.phase === 'healthy');
}

export function replaceEntry(j: Journal, e: JournalEntry): Journal {
  const i = j.entries.findIndex((x) => x.id === e.id);
  return { entries: i < 0 ? [...j.entries, e] : j.entries.map((x, k) => (k === i ? e : x)) };
}

/** `20261202-171500-synapse`: sortable, and a valid Docker tag. */
export function journalId(at: Date, service: string): string {
  const s = at.toISOString();
  return `${s.slice(0, 10).replaceAll('-', '')}-${s.slice(11, 19).replaceAll(':', '')}-${service}`;
}

export function parseJournal(text: string | undefined): Journal {
  if (text === undefined || text.trim() === '') return { entries: [] };
  const j = JSON.parse(text) as Partial<Journal>;
  return { entries: Array.isArray(j.entries) ? j.entries : [] };
}
