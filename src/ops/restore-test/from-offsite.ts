// `restore-test --from-offsite`: the drill of the offsite copy (the one a lost server is rebuilt
// from). Downloaded into a private scratch folder in the backup folder (named by our pid, so a
// killed run's download is removed by the next), drilled as an archive file, removed however the
// drill ends: the local backups are not changed.
import { join } from 'node:path';
import { archiveName, manifestName } from '../../core/backup/naming.ts';
import { sweepOwnedScratch } from '../../adapters/lock.ts';
import { makeTempDir, removePath } from '../../adapters/fs.ts';
import type { ObjectStore } from '../../adapters/object-store.ts';
import { ensureBackupDir } from '../backup/location.ts';
import { resolveOffsite } from '../backup/offsite.ts';
import { assertOwnAddress } from './drill-stack.ts';
import { restoreTest } from './restore-test.ts';
import type { RestoreTestDeps, RestoreTestOptions, RestoreTestReport } from './restore-test.ts';

export async function restoreTestOffsite(
  o: RestoreTestOptions,
  d: RestoreTestDeps & { offsite: ObjectStore },
): Promise<RestoreTestReport & { offsite: string }> {
  assertOwnAddress(o, d.deployment);
  const id = await resolveOffsite(d.offsite, o.ref);
  const tmp = await makeTempDir(await sweepOwnedScratch(await ensureBackupDir(d.deployment), '.restore-test-offsite-'));
  try {
    d.progress.step(`downloading ${id} from ${d.offsite.description}`);
    await d.offsite.getFile(archiveName(id), join(tmp, archiveName(id)));
    await d.offsite.getFile(manifestName(id), join(tmp, manifestName(id)));
    const r = await restoreTest({ ...o, ref: join(tmp, archiveName(id)) }, d);
    return { ...r, archive: `${d.offsite.description} ${archiveName(id)}`, offsite: d.offsite.description };
  } finally {
    await removePath(tmp);
  }
}
