// The upgrade journal: a stopped or failed upgrade leaves the server between two versions.
import type { Finding } from '../../core/doctor/finding.ts';
import { judgeUpgradeJournal } from '../../core/doctor/upgrade-rules.ts';
import { readJournal } from '../upgrade/journal-file.ts';
import type { DoctorFacts } from './facts.ts';

export async function upgradeChecks(f: DoctorFacts): Promise<Finding[]> {
  return [judgeUpgradeJournal(await readJournal(f.d), f.d.clock.now())];
}
