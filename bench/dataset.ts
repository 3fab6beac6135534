// What the backup benchmarks share: the dataset's size from the command line, where mxctl is, and
// how they say what they do (on stderr, so stdout holds only the figures).
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export interface DatasetSize {
  mediaMb: number;
  files: number;
  dbMb: number;
}

/** --media-mb, --files and --db-mb, each defaulting to the benchmark's own dataset. */
export function datasetFlags(defaults: DatasetSize): DatasetSize {
  const { values } = parseArgs({
    options: {
      'media-mb': { type: 'string', default: String(defaults.mediaMb) },
      files: { type: 'string', default: String(defaults.files) },
      'db-mb': { type: 'string', default: String(defaults.dbMb) },
    },
  });
  return { mediaMb: Number(values['media-mb']), files: Number(values.files), dbMb: Number(values['db-mb']) };
}

export const MXCTL = join(import.meta.dirname, '..', 'bin', 'mxctl.mjs');

export function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}
