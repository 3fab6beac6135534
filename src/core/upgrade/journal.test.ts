import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  advance,
  journalId,
  parseJournal,
  replaceEntry,
  resumeAction,
  rollbackCandidate,
  unfinished,
} from './journal.ts';
import type { JournalEntry } from './journal.ts';

const at = new Date('2026-12-02T17:15:00Z');

function entry(over: Partial<JournalEntry> = {}): JournalEntry {
  return {
    id: journalId(at, 'synapse'),
    service: 'synapse',
    from: 'r/synapse:1.160.0',
    to: 'r/synapse:1.160.1',
    rollbackImage: undefined,
    backupId: undefined,
    rollbackNeedsRestore: false,
    phase: 'started',
    steps: [{ phase: 'started', at: at.toISOString() }],
    error: undefined,
    ...over,
  };
}

test('ids are sortable and valid docker tags', () => {
  assert.equal(journalId(at, 'synapse'), '20261202-171500-synapse');
});

test('the happy path, step by step; a wrong move is a bug', () => {
  let e = entry();
  for (const p of ['backed-up', 'pulled', 'pinned', 'recreated', 'healthy'] as const) e = advance(e, p, at);
  assert.equal(e.phase, 'healthy');
  assert.equal(e.steps.length, 6);
  assert.throws(() => advance(entry(), 'healthy', at), /not a move/);
  assert.throws(() => advance(entry({ phase: 'abandoned' }), 'pinned', at), /not a move/);
});

test('a failed gate goes back; the error is kept', () => {
  const e = advance(entry({ phase: 'recreated' }), 'rolling-back', at, 'server_version is 1.160.0');
  assert.equal(e.error, 'server_version is 1.160.0');
  assert.equal(advance(e, 'rolled-back', at).phase, 'rolled-back');
});

test('a killed run resumes by phase', () => {
  assert.equal(resumeAction(entry({ phase: 'pulled' })), 'abandon');
  assert.equal(resumeAction(entry({ phase: 'pinned' })), 'gate');
  assert.equal(resumeAction(entry({ phase: 'recreated' })), 'gate');
  assert.equal(resumeAction(entry({ phase: 'rolling-back' })), 'roll-back');
  assert.equal(resumeAction(entry({ phase: 'healthy' })), 'none');
});

test('finds the unfinished entry and the rollback candidate', () => {
  let j = parseJournal(undefined);
  j = replaceEntry(j, entry({ id: 'a', phase: 'healthy' }));
  j = replaceEntry(j, entry({ id: 'b', phase: 'rolled-back' }));
  assert.equal(unfinished(j), undefined);
  assert.equal(rollbackCandidate(j)?.id, 'a');
  j = replaceEntry(j, entry({ id: 'c', phase: 'recreated' }));
  assert.equal(unfinished(j)?.id, 'c');
  assert.equal(rollbackCandidate(j, 'b')?.id, 'b');
  j = replaceEntry(j, entry({ id: 'c', phase: 'healthy' }));
  assert.equal(j.entries.length, 3);
  assert.deepEqual(
    parseJournal(JSON.stringify(j)).entries.map((e) => [e.id, e.phase]),
    j.entries.map((e) => [e.id, e.phase]),
  );
});

test('a PostgreSQL major upgrade: loading and loaded sit between pulled and pinned; killed there, it goes back', () => {
  let e = entry({ service: 'postgres' });
  for (const p of ['backed-up', 'pulled', 'loading', 'loaded', 'pinned', 'recreated', 'healthy'] as const)
    e = advance(e, p, at);
  assert.equal(e.phase, 'healthy');
  assert.equal(resumeAction(entry({ phase: 'loading' })), 'roll-back');
  assert.equal(resumeAction(entry({ phase: 'loaded' })), 'roll-back');
  assert.equal(
    advance(entry({ phase: 'loading' }), 'rolling-back', at, 'pg_restore failed').error,
    'pg_restore failed',
  );
  assert.throws(() => advance(entry({ phase: 'loading' }), 'pinned', at), /not a move/);
});
