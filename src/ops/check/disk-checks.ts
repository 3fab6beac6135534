// Disk: the filesystems holding Docker's data root (images, the Postgres volume) and the media
// store, judged by doctor's thresholds (80 % warn, 90 % critical), and when each is full at the
// rate the samples kept by earlier checks show.
import { join } from 'node:path';
import { diskUsage } from '../../adapters/fs.ts';
import { dockerRootDir } from '../../adapters/docker.ts';
import { DISK_FAIL_FRACTION, DISK_WARN_FRACTION, judgeDisk } from '../../core/doctor/rules.ts';
import { estimateFill, judgeFill, withSample } from '../../core/check/disk-rate.ts';
import { above, fromFinding } from '../../core/check/signal.ts';
import type { Signal } from '../../core/check/signal.ts';
import type { CheckState } from '../../core/check/state.ts';
import type { Deployment } from '../deployment.ts';

const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;

/** Signals for both filesystems; `state.disk` gains this run's samples. */
export async function diskChecks(d: Deployment, state: CheckState, now: Date): Promise<Signal[]> {
  const root = await dockerRootDir();
  const places: [string, string, string][] = [
    ['disk.docker_root', `the filesystem holding Docker's data root (${root})`, root],
    ['disk.media', `the filesystem holding the media store`, join(d.root, 'synapse', 'media_store')],
  ];
  const out: Signal[] = [];
  for (const [id, what, path] of places) {
    const u = await diskUsage(path);
    out.push(
      fromFinding(judgeDisk(id, what, u.usedFraction, [`${path}: ${gib(u.freeBytes)} free of ${gib(u.totalBytes)}`]), {
        value: u.usedFraction,
        unit: 'ratio',
        threshold: above(DISK_WARN_FRACTION, DISK_FAIL_FRACTION),
      }),
    );
    const samples = withSample(state.disk[id] ?? [], {
      at: now.getTime(),
      freeBytes: u.freeBytes,
      totalBytes: u.totalBytes,
    });
    state.disk[id] = samples;
    out.push(judgeFill(`${id}.fill`, what, estimateFill(samples, now.getTime())));
  }
  return out;
}
