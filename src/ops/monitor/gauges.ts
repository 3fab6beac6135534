// The figures behind the mxctl_* metrics (core/monitoring/exported-metrics.ts), read each pass:
// the filesystems' size and room, the served certificates' validity, the backups' and drills'
// times. Raw values, not verdicts: the shipped Prometheus rules judge them. A group that cannot be
// read is left out (its series go stale and `absent()` rules notice), never reported as zero.
import { diskUsage } from '../../adapters/fs.ts';
import { dockerRootDir } from '../../adapters/docker.ts';
import { join } from 'node:path';
import { certsStatus } from '../certs/status.ts';
import { backupDir } from '../backup/location.ts';
import { readBackupRecords } from '../check/backup-checks.ts';
import type { CheckDeps } from '../check/check.ts';

export interface GaugeValues {
  disks: { disk: 'docker' | 'media' | 'backups'; path: string; sizeBytes: number; availBytes: number }[];
  certs: { name: string; notBefore: number; notAfter: number }[];
  /** Unix seconds; 0 = never. */
  backupLastSuccess?: number;
  backupLastRunOk?: 0 | 1;
  restoreTestLastSuccess?: number;
}

const seconds = (iso: string | Date) => Math.floor(new Date(iso).getTime() / 1000);

export async function readGauges(d: CheckDeps): Promise<GaugeValues> {
  const out: GaugeValues = { disks: [], certs: [] };
  await Promise.all([
    disks(d).then((x) => (out.disks = x), ignore),
    certsStatus({ renewalInfo: false }, d).then(
      (r) =>
        (out.certs = r.names.flatMap((n) =>
          n.served === undefined
            ? []
            : [{ name: n.name, notBefore: seconds(n.served.notBefore), notAfter: seconds(n.served.notAfter) }],
        )),
      ignore,
    ),
    readBackupRecords(d.deployment).then((b) => {
      out.backupLastSuccess = b.good.length === 0 ? 0 : seconds(b.good.at(-1) as Date);
      out.backupLastRunOk = b.runs.at(-1)?.ok === false ? 0 : 1;
      const drill = b.drills.findLast((x) => x.ok);
      out.restoreTestLastSuccess = drill === undefined ? 0 : seconds(drill.at);
    }, ignore),
  ]);
  return out;
}

// NOTE: a group that could not be read is simply absent this pass (see the header).
const ignore = () => undefined;

async function disks(d: CheckDeps): Promise<GaugeValues['disks']> {
  const root = await dockerRootDir();
  const places = [
    ['docker', root],
    ['media', join(d.deployment.root, 'synapse', 'media_store')],
    ['backups', backupDir(d.deployment)],
  ] as const;
  const out: GaugeValues['disks'] = [];
  for (const [disk, path] of places) {
    const u = await diskUsage(path).catch(() => undefined);
    if (u !== undefined) out.push({ disk, path, sizeBytes: u.totalBytes, availBytes: u.freeBytes });
  }
  return out;
}
