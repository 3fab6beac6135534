// Writing down a drill's result: the deployment's docs/RUNBOOK.md line and state/restore-tests.json.
import { join } from 'node:path';
import { runbookLine, withHistoryEntry, withRunbookLine } from '../../core/restore-test/record.ts';
import type { DrillRecord } from '../../core/restore-test/record.ts';
import { ensurePrivateDir, readTextIfAny, writeFileAtomic } from '../../adapters/fs.ts';
import type { Deployment } from '../deployment.ts';

export function historyPath(d: Deployment): string {
  return join(d.stateDir, 'restore-tests.json');
}

/** Returns the files written (the runbook only when the deployment has one). */
export async function recordDrill(r: DrillRecord, d: Deployment): Promise<{ runbook?: string; history: string }> {
  const history = historyPath(d);
  await ensurePrivateDir(d.stateDir);
  const entries = withHistoryEntry(await readTextIfAny(history), r);
  await writeFileAtomic(history, `${JSON.stringify(entries, null, 2)}\n`, 0o600);
  const runbook = join(d.root, 'docs', 'RUNBOOK.md');
  const text = await readTextIfAny(runbook);
  if (text === undefined) return { history };
  await writeFileAtomic(runbook, withRunbookLine(text, runbookLine(r)), 0o644);
  return { runbook, history };
}
