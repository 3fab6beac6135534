import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, runbookLine, withHistoryEntry, withRunbookLine, HISTORY_KEPT } from './record.ts';
import { renderRunbook } from '../templates/runbook.ts';
import { settingsFromChoices } from '../init-options.ts';
import { SECRET_KEYS } from '../settings.ts';

const secrets = Object.fromEntries(SECRET_KEYS.map((k) => [k, 'x'.repeat(43)])) as Record<
  (typeof SECRET_KEYS)[number],
  string
>;
const exampleSettings = () => settingsFromChoices({ domain: 'example.org' }, secrets);

const pass = {
  at: '2026-12-04T19:30:12.000Z',
  ok: true,
  backupId: 'matrix-backup-2026-12-04_192700',
  rtoSeconds: 48,
  rpoSeconds: 192,
};

test('durations read as an admin writes them', () => {
  assert.equal(formatDuration(48.4), '48 s');
  assert.equal(formatDuration(75), '1 min 15 s');
  assert.equal(formatDuration(180), '3 min');
  assert.equal(formatDuration(3 * 3600 + 120), '3 h 2 min');
  assert.equal(formatDuration(90061), '1 d 1 h');
});

test("the runbook's line: date, verdict, RTO, RPO, backup id", () => {
  assert.equal(
    runbookLine(pass),
    'Last restore test: 2026-12-04 19:30 UTC — PASS, RTO 48 s, RPO 3 min 12 s, backup `matrix-backup-2026-12-04_192700`',
  );
  const { rtoSeconds: _, ...failed } = pass;
  assert.match(
    runbookLine({ ...failed, ok: false, failed: "the drill's Synapse starts: timed out" }),
    /— FAIL, failed: the drill's Synapse starts: timed out, RPO 3 min 12 s/,
  );
});

test("the seed's __NOT_YET_PERFORMED__ placeholder is replaced, then the last drill's line", () => {
  const seed = renderRunbook(exampleSettings());
  assert.match(seed, /Last restore test: `__NOT_YET_PERFORMED__`/);
  const once = withRunbookLine(seed, runbookLine(pass));
  assert.doesNotMatch(once, /__NOT_YET_PERFORMED__/);
  const twice = withRunbookLine(once, runbookLine({ ...pass, backupId: 'matrix-backup-2027-01-04_000000' }));
  assert.equal(twice.match(/Last restore test:/g)?.length, 1);
  assert.match(twice, /matrix-backup-2027-01-04_000000/);
  assert.equal(twice.split('\n').length, seed.split('\n').length, 'nothing else changes');
});

test('a runbook without the line gets it under a heading of its own', () => {
  assert.equal(
    withRunbookLine('# Mine\n', 'Last restore test: x'),
    '# Mine\n\n### Restore Test (monthly)\nLast restore test: x\n',
  );
});

test('the history appends, keeps the newest entries, and survives a damaged file', () => {
  assert.deepEqual(withHistoryEntry(undefined, pass), [pass]);
  assert.deepEqual(withHistoryEntry('{not json', pass), [pass]);
  const long = JSON.stringify(Array.from({ length: HISTORY_KEPT }, (_, i) => ({ ...pass, rpoSeconds: i })));
  const next = withHistoryEntry(long, { ...pass, rpoSeconds: -1 });
  assert.equal(next.length, HISTORY_KEPT);
  assert.equal(next.at(-1)?.rpoSeconds, -1);
  assert.equal(next[0]?.rpoSeconds, 1);
});
