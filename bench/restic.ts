// Benchmark: repository mode (restic) against archive mode, in one lab and one invocation, on
// the same generated dataset: a full backup in each mode, then 1 % of the media added and 1 % of
// the rows changed, a second backup in each mode, then a restore of each second backup. Prints
// the bytes each second backup adds where backups are kept (the archive's size; the repository's
// growth), wall times and their ratios. Not a test: nothing here asserts a time.
// The defaults are scaled down from the dataset (2 GiB / 20,000 files, 1 GiB database)
// to fit a shared 2-core machine; the flags give the full one.
//   node bench/restic.ts [--media-mb 256] [--files 2500] [--db-mb 128]
import { randomBytes } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { mkdir, readdir, writeFile, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLab } from '../lab/harness.ts';
import { datasetFlags, log, MXCTL } from './dataset.ts';
import type { Lab } from '../lab/harness.ts';
import { psql } from '../src/adapters/postgres.ts';
import { writeFileAtomic } from '../src/adapters/fs.ts';
import { formatSettings } from '../src/core/settings.ts';
import type { Settings } from '../src/core/settings.ts';
import { readSettings } from '../src/ops/deployment.ts';

const exec = promisify(execFile);
const { mediaMb: MEDIA_MB, files: FILES, dbMb: DB_MB } = datasetFlags({ mediaMb: 256, files: 2500, dbMb: 128 });

async function duBytes(path: string): Promise<number> {
  const s = await lstat(path).catch(() => undefined);
  if (s === undefined) return 0;
  if (!s.isDirectory()) return s.size;
  let total = 0;
  for (const n of await readdir(path)) total += await duBytes(join(path, n));
  return total;
}

/** `mxctl ARGS --json` in the lab: its report and the wall time. */
async function mxctl(lab: Lab, args: string[]): Promise<{ report: Record<string, unknown>; seconds: number }> {
  const t0 = performance.now();
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [MXCTL, '--dir', lab.dir, ...args, '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`mxctl ${args.join(' ')} exited ${code}`)),
    );
  });
  return { report: JSON.parse(out) as Record<string, unknown>, seconds: (performance.now() - t0) / 1000 };
}

/** Incompressible "media" files (like JPEG), `bytes` in all, in Synapse's local_content layout.
 * NOTE: every file its own random bytes: slices of one shared block would deduplicate in restic
 * and flatter it. */
async function addMedia(lab: Lab, count: number, bytes: number): Promise<void> {
  const root = join(lab.dir, 'synapse', 'media_store', 'local_content');
  const avg = Math.floor(bytes / count);
  for (let i = 0; i < count; i++) {
    const id = randomBytes(12).toString('hex');
    const dir = join(root, id.slice(0, 2), id.slice(2, 4));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, id.slice(4)), randomBytes(Math.max(1024, Math.floor(avg * (0.5 + Math.random())))));
  }
}

function pgOf(lab: Lab) {
  return { composeDir: join(lab.dir, 'compose'), user: lab.settings.POSTGRES_USER, db: lab.settings.POSTGRES_DB };
}

async function generateDatabase(lab: Lab): Promise<void> {
  const pg = pgOf(lab);
  const rows = Math.floor((DB_MB * 1048576) / 560);
  await psql(pg, 'CREATE TABLE IF NOT EXISTS bench_filler (id bigserial PRIMARY KEY, body text NOT NULL);');
  // 16 md5s per row: 512 hex chars, about as compressible as Synapse's event JSON.
  for (let done = 0; done < rows; done += 200_000) {
    const n = Math.min(200_000, rows - done);
    await psql(
      pg,
      `INSERT INTO bench_filler (body) SELECT string_agg(md5(random()::text), '') FROM generate_series(1, ${n}) g CROSS JOIN generate_series(1, 16) k GROUP BY g;`,
      { timeoutMs: 1_800_000 },
    );
  }
  await psql(pg, 'VACUUM ANALYZE bench_filler;', { timeoutMs: 1_800_000 });
}

async function setMode(lab: Lab, mode: Settings['BACKUP_MODE']): Promise<void> {
  const s = await readSettings(lab.dir);
  await writeFileAtomic(join(lab.dir, '.env'), formatSettings({ ...s, BACKUP_MODE: mode }), 0o600);
}

async function backupIn(
  lab: Lab,
  mode: Settings['BACKUP_MODE'],
): Promise<{ id: string; seconds: number; bytes: number }> {
  await setMode(lab, mode);
  const repo = join(lab.dir, 'backups', 'restic');
  const before = await duBytes(repo);
  const { report, seconds } = await mxctl(lab, ['backup', '--local-only']);
  // The bytes a backup adds where backups are kept: the archive itself, or the repository's growth.
  const bytes = mode === 'archive' ? Number(report.archiveBytes) : (await duBytes(repo)) - before;
  log(`${mode} backup ${String(report.id)}: ${(bytes / 1048576).toFixed(1)} MiB in ${seconds.toFixed(1)} s`);
  return { id: String(report.id), seconds, bytes };
}

function mib(b: number): string {
  return `${(b / 1048576).toFixed(1)} MiB`;
}

async function main(): Promise<void> {
  const lab = await startLab();
  try {
    log(`generating ${MEDIA_MB} MiB of media in ${FILES} files and a ${DB_MB} MiB table`);
    await addMedia(lab, FILES, MEDIA_MB * 1048576);
    await generateDatabase(lab);
    const a1 = await backupIn(lab, 'archive');
    const r1 = await backupIn(lab, 'repository');
    log('changing 1 % of the media (new files) and 1 % of the rows');
    await addMedia(lab, Math.max(1, Math.round(FILES / 100)), (MEDIA_MB * 1048576) / 100);
    await psql(pgOf(lab), 'UPDATE bench_filler SET body = md5(random()::text) || body WHERE id % 100 = 0;', {
      timeoutMs: 1_800_000,
    });
    const a2 = await backupIn(lab, 'archive');
    const r2 = await backupIn(lab, 'repository');
    const flags = ['--yes', '--no-safety-backup', '--checks', 'read-only'];
    const ra = await mxctl(lab, ['restore', a2.id, ...flags]);
    const rr = await mxctl(lab, ['restore', r2.id, ...flags]);
    const { stdout: version } = await exec('restic', ['version']);
    process.stdout.write(
      [
        `dataset: ${MEDIA_MB} MiB media in ${FILES} files, a ${DB_MB} MiB table (scaled down from 2 GiB / 20,000 / 1 GiB unless flags say otherwise); ${version.trim()}`,
        `full backup    archive ${a1.seconds.toFixed(1)} s ${mib(a1.bytes)}   repository ${r1.seconds.toFixed(1)} s ${mib(r1.bytes)}`,
        `second backup  archive ${a2.seconds.toFixed(1)} s ${mib(a2.bytes)}   repository ${r2.seconds.toFixed(1)} s ${mib(r2.bytes)}`,
        `  bytes added by the second backup: repository/archive ${(r2.bytes / a2.bytes).toFixed(3)} (target <= 0.05)`,
        `  wall time of the second backup: repository/archive ${(r2.seconds / a2.seconds).toFixed(2)} (target <= 0.2)`,
        `restore (no safety backup, read-only checks)  archive ${ra.seconds.toFixed(1)} s   repository ${rr.seconds.toFixed(1)} s   ratio ${(rr.seconds / ra.seconds).toFixed(2)} (target <= 1)`,
        '',
      ].join('\n'),
    );
  } finally {
    await lab.destroy();
  }
}

await main();
