// state/check.json on disk: read leniently, written atomically (temp, fsync, rename) and 0600,
// so a check killed mid-write leaves the previous state, never half a file.
import { join } from 'node:path';
import { ensurePrivateDir, readTextIfAny, writeFileAtomic } from '../../adapters/fs.ts';
import { parseCheckState } from '../../core/check/state.ts';
import type { CheckState } from '../../core/check/state.ts';
import type { Deployment } from '../deployment.ts';

export const CHECK_STATE_FILE = 'check.json';

export function checkStatePath(d: Deployment): string {
  return join(d.stateDir, CHECK_STATE_FILE);
}

export async function readCheckState(d: Deployment): Promise<CheckState> {
  return parseCheckState(await readTextIfAny(checkStatePath(d)));
}

export async function writeCheckState(d: Deployment, s: CheckState): Promise<void> {
  await ensurePrivateDir(d.stateDir);
  await writeFileAtomic(checkStatePath(d), `${JSON.stringify(s)}\n`, 0o600);
}
