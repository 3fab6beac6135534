import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalEntry, UpgradePhase } from '../upgrade/journal.ts';
import { judgeUpgradeJournal } from './upgrade-rules.ts';

const now = new Date('2026-12-04T12:00:00Z');
const entry = (phase: UpgradePhase, at = '2026-12-04T11:00:00Z', error?: string): JournalEntry => ({
  id: '20261204-110000-synapse',
  service: 'synapse',
  from: 'r/synapse:1.160.0',
  to: 'r/synapse:1.160.1@sha256:ab',
  rollbackImage: 'mxctl-rollback/synapse:20261204-110000-synapse',
  backupId: '20261204-105900-pre-upgrade',
  rollbackNeedsRestore: false,
  phase,
  steps: [{ phase, at }],
  error,
});

test('no journal, or a healthy last upgrade: ok', () => {
  assert.equal(judgeUpgradeJournal({ entries: [] }, now).status, 'ok');
  assert.equal(judgeUpgradeJournal({ entries: [entry('healthy')] }, now).status, 'ok');
  assert.equal(judgeUpgradeJournal({ entries: [entry('abandoned')] }, now).status, 'ok');
});

test('a run that stopped half-way fails, and says how to finish it', () => {
  for (const phase of ['started', 'pulled', 'pinned', 'recreated', 'rolling-back'] as const) {
    const f = judgeUpgradeJournal({ entries: [entry(phase)] }, now);
    assert.equal(f.status, 'fail', phase);
    assert.match(f.summary, new RegExp(`stopped at "${phase}"`));
    assert.match(f.fix ?? '', /mxctl upgrade/);
  }
});

test('a failed rollback fails and names the pre-upgrade backup', () => {
  const f = judgeUpgradeJournal({ entries: [entry('rollback-failed', undefined, 'Synapse answers: exited')] }, now);
  assert.equal(f.status, 'fail');
  assert.match(f.fix ?? '', /mxctl restore 20261204-105900-pre-upgrade/);
  assert.ok(f.evidence.includes('why: Synapse answers: exited'));
});

test('a rollback by the gate warns for a week, then is history', () => {
  assert.equal(judgeUpgradeJournal({ entries: [entry('rolled-back')] }, now).status, 'warn');
  assert.equal(judgeUpgradeJournal({ entries: [entry('rolled-back', '2026-11-20T00:00:00Z')] }, now).status, 'ok');
});
