// Benchmark: `mxctl backup --local-only` and `mxctl restore` against the seed's hand-run pipeline
// (pg_dump -Fc; tar czf media; tar czf all; gpg -c --cipher-algo AES256; and the reverse), on
// the same generated dataset in one lab, in the same invocation. Prints wall-time ratios, peak
// RSS (largest process, GNU time) and peak extra disk (a backup: the bytes it writes; a restore:
// the growth of the filesystem's used space, so links and the database volume count as they
// really are). Not a test: nothing here asserts a time.
// mxctl's restore runs twice: onto the same server (its media still there, as when rolling back)
// and onto an emptied media store (a new machine), against the one seed restore.
//   node bench/backup.ts [--media-mb 2048] [--files 20000] [--db-mb 1024]
import { randomBytes } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, statfs, writeFile, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLab } from '../lab/harness.ts';
import { datasetFlags, log, MXCTL } from './dataset.ts';
import type { Lab } from '../lab/harness.ts';
import { psql } from '../src/adapters/postgres.ts';

const exec = promisify(execFile);
const { mediaMb: MEDIA_MB, files: FILES, dbMb: DB_MB } = datasetFlags({ mediaMb: 2048, files: 20000, dbMb: 1024 });

async function duBytes(path: string): Promise<number> {
  let total = 0;
  let s;
  try {
    s = await lstat(path);
  } catch {
    return 0;
  }
  if (!s.isDirectory()) return s.size;
  let names: string[];
  try {
    names = await readdir(path);
  } catch {
    return 0;
  }
  for (const n of names) total += await duBytes(join(path, n));
  return total;
}

/** Bytes under some paths (file sizes): for a backup, whose only growth is its archive. */
function pathBytes(paths: () => string[] | Promise<string[]>): () => Promise<number> {
  return async () => {
    let sum = 0;
    for (const p of await paths()) sum += await duBytes(p);
    return sum;
  };
}

/** Bytes in use on the filesystem holding `path`: for a restore, whose hard-linked media cost
 * nothing and whose database grows inside Docker's volume (the same filesystem here, checked). */
function filesystemUsed(path: string): () => Promise<number> {
  return async () => {
    const s = await statfs(path);
    return (s.blocks - s.bfree) * s.bsize;
  };
}

/** Polls `sample()` while `work` runs: the peak extra disk of a run, over what it was at the start. */
async function measure<T>(
  sample: () => Promise<number>,
  work: () => Promise<T>,
): Promise<{ result: T; seconds: number; peakDisk: number }> {
  const baseline = await sample();
  let peak = 0;
  let done = false;
  const poll = (async () => {
    while (!done) {
      peak = Math.max(peak, (await sample()) - baseline);
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  const t0 = performance.now();
  try {
    const result = await work();
    return { result, seconds: (performance.now() - t0) / 1000, peakDisk: peak };
  } finally {
    done = true;
    await poll;
  }
}

/** Runs a command under GNU time; returns its peak RSS (KiB, largest single process). */
async function timed(
  cmd: string,
  args: string[],
  o: { cwd?: string; input?: string; stdout?: (text: string) => void } = {},
): Promise<number> {
  const out = join(tmpdir(), `bench-time-${process.pid}-${Date.now()}`);
  await new Promise<void>((resolve, reject) => {
    // Tools' output to our stderr (stdout is the report), unless the caller wants it.
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', out, cmd, ...args], {
      cwd: o.cwd,
      stdio: ['pipe', o.stdout === undefined ? 2 : 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (text += d));
    // NOTE: a failing reader of the output must not throw here (an uncaught exception would
    // skip the lab's teardown); the exit code below reports the run.
    child.on('close', () => {
      try {
        o.stdout?.(text);
      } catch (error) {
        log(`could not read ${cmd}'s output: ${(error as Error).message}`);
      }
    });
    child.stdin?.end(o.input ?? '');
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
  const { readFile } = await import('node:fs/promises');
  const kib = Number((await readFile(out, 'utf8')).trim().split('\n').at(-1));
  await rm(out, { force: true });
  return kib;
}

async function generateMedia(lab: Lab): Promise<void> {
  const root = join(lab.dir, 'synapse', 'media_store', 'local_content');
  const avg = Math.floor((MEDIA_MB * 1048576) / FILES);
  const block = randomBytes(8 * 1048576); // incompressible like JPEG; sliced at random offsets
  for (let i = 0; i < FILES; i++) {
    const id = randomBytes(12)
      .toString('hex')
      .slice(0, 24)
      .replace(/[^a-z0-9]/g, 'a');
    const dir = join(root, id.slice(0, 2), id.slice(2, 4));
    await mkdir(dir, { recursive: true });
    const size = Math.max(1024, Math.floor(avg * (0.5 + Math.random())));
    const off = Math.floor(Math.random() * (block.length - size));
    await writeFile(join(dir, id.slice(4)), block.subarray(off, off + Math.min(size, block.length - off)));
  }
}

async function generateDatabase(lab: Lab): Promise<void> {
  const pg = { composeDir: join(lab.dir, 'compose'), user: lab.settings.POSTGRES_USER, db: lab.settings.POSTGRES_DB };
  const rows = Math.floor((DB_MB * 1048576) / 560);
  await psql(pg, 'CREATE TABLE IF NOT EXISTS bench_filler (id bigserial PRIMARY KEY, body text NOT NULL);');
  // 16 md5s per row: 512 hex chars, about as compressible as Synapse's event JSON (~2x).
  const batch = 200_000;
  for (let done = 0; done < rows; done += batch) {
    const n = Math.min(batch, rows - done);
    await psql(
      pg,
      `INSERT INTO bench_filler (body) SELECT string_agg(md5(random()::text), '') FROM generate_series(1, ${n}) g CROSS JOIN generate_series(1, 16) k GROUP BY g;`,
      { timeoutMs: 1_800_000 },
    );
  }
  await psql(pg, 'VACUUM ANALYZE bench_filler;', { timeoutMs: 1_800_000 });
  const size = (await psql(pg, `SELECT pg_database_size('${lab.settings.POSTGRES_DB}');`)).trim();
  log(`database: ${(Number(size) / 1048576).toFixed(0)} MiB`);
}

async function main(): Promise<void> {
  const lab = await startLab();
  // NOTE: outside the deployment, or mxctl would back up the seed pipeline's files too.
  const work = await mkdtemp(join(tmpdir(), 'bench-seed-'));
  const compose = join(lab.dir, 'compose');
  const u = lab.settings.POSTGRES_USER;
  const db = lab.settings.POSTGRES_DB;
  try {
    log(`generating ${MEDIA_MB} MiB of media in ${FILES} files and a ~${DB_MB} MiB database`);
    await generateMedia(lab);
    await generateDatabase(lab);
    const mediaBytes = await duBytes(join(lab.dir, 'synapse', 'media_store'));
    log(`media: ${(mediaBytes / 1048576).toFixed(0)} MiB`);
    const passInput = `${lab.settings.BACKUP_PASSPHRASE}\n`;
    const gpgArgs = ['--batch', '--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--no-symkey-cache'];

    log('seed backup: pg_dump -Fc; tar czf media; tar czf all; gpg -c --cipher-algo AES256');
    let seedRss = 0;
    const seedBackup = await measure(
      pathBytes(() => [work]),
      async () => {
        seedRss = Math.max(
          seedRss,
          await timed(
            'bash',
            [
              '-c',
              `docker compose exec -T postgres pg_dump -U ${u} -Fc --exclude-table-data e2e_one_time_keys_json ${db} > ${work}/synapse.dump`,
            ],
            { cwd: compose },
          ),
        );
        seedRss = Math.max(
          seedRss,
          await timed('tar', [
            'czf',
            `${work}/media.tar.gz`,
            '-C',
            join(lab.dir, 'synapse', 'media_store'),
            'local_content',
          ]),
        );
        seedRss = Math.max(
          seedRss,
          await timed('tar', [
            'czf',
            `${work}/matrix-backup.tar.gz`,
            '-C',
            work,
            'synapse.dump',
            'media.tar.gz',
            '-C',
            lab.dir,
            '.env',
            'synapse/homeserver.yaml',
            'nginx',
            'element',
            'compose',
          ]),
        );
        seedRss = Math.max(
          seedRss,
          await timed(
            'gpg',
            [
              ...gpgArgs,
              '-c',
              '--cipher-algo',
              'AES256',
              '-o',
              `${work}/matrix-backup.tar.gz.gpg`,
              `${work}/matrix-backup.tar.gz`,
            ],
            { input: passInput },
          ),
        );
      },
    );
    const seedArchive = (await stat(`${work}/matrix-backup.tar.gz.gpg`)).size;

    log('mxctl backup --local-only');
    let oursRss = 0;
    const backups = join(lab.dir, 'backups');
    const ours = await measure(
      pathBytes(() => [backups]),
      async () => {
        oursRss = await timed(process.execPath, [MXCTL, '--dir', lab.dir, 'backup', '--local-only']);
      },
    );
    const list = JSON.parse(
      (await exec(process.execPath, [MXCTL, '--dir', lab.dir, 'backup', 'list', '--json'])).stdout,
    ) as { backups: { id: string; archive: string }[] };
    const id = list.backups.at(-1)?.id ?? '';
    const oursArchive = (await stat(list.backups.at(-1)?.archive ?? '')).size;

    log('seed restore: gpg -d; tar xzf; tar xzf media; dropdb/createdb; pg_restore; start');
    const restoreDir = await mkdtemp(join(tmpdir(), 'bench-seed-restore-'));
    const pgId = (await exec('docker', ['compose', 'ps', '-q', 'postgres'], { cwd: compose })).stdout.trim();
    const pgVolume = (
      await exec('docker', ['inspect', '-f', '{{range .Mounts}}{{.Source}}{{end}}', pgId])
    ).stdout.trim();
    if (
      (await stat(pgVolume)).dev !== (await stat(lab.dir)).dev ||
      (await stat(restoreDir)).dev !== (await stat(lab.dir)).dev
    ) {
      throw new Error(
        'the restore measures need the deployment, the seed scratch and the database volume on one filesystem',
      );
    }
    let seedRestoreRss = 0;
    const seedRestore = await measure(filesystemUsed(lab.dir), async () => {
      const r = (n: number) => (seedRestoreRss = Math.max(seedRestoreRss, n));
      r(
        await timed('gpg', [...gpgArgs, '-d', '-o', `${restoreDir}/all.tar.gz`, `${work}/matrix-backup.tar.gz.gpg`], {
          input: passInput,
        }),
      );
      r(await timed('tar', ['xzf', `${restoreDir}/all.tar.gz`, '-C', restoreDir]));
      r(await timed('tar', ['xzf', `${restoreDir}/media.tar.gz`, '-C', restoreDir]));
      r(await timed('docker', ['compose', 'stop', 'synapse'], { cwd: compose }));
      r(
        await timed(
          'bash',
          [
            '-c',
            `rm -rf ../synapse/media_store/local_content && mv ${restoreDir}/local_content ../synapse/media_store/local_content`,
          ],
          { cwd: compose },
        ),
      );
      r(
        await timed('docker', ['compose', 'exec', '-T', 'postgres', 'dropdb', '-U', u, '--force', db], {
          cwd: compose,
        }),
      );
      r(
        await timed(
          'docker',
          [
            'compose',
            'exec',
            '-T',
            'postgres',
            'createdb',
            '-U',
            u,
            '--encoding=UTF8',
            '--locale=C',
            '--template=template0',
            `--owner=${u}`,
            db,
          ],
          { cwd: compose },
        ),
      );
      r(
        await timed(
          'bash',
          [
            '-c',
            `docker compose exec -T postgres pg_restore -U ${u} -d ${db} --no-owner --exit-on-error < ${restoreDir}/synapse.dump`,
          ],
          { cwd: compose },
        ),
      );
      r(
        await timed(
          'docker',
          ['compose', 'exec', '-T', 'postgres', 'psql', '-U', u, '-d', db, '-c', 'TRUNCATE e2e_one_time_keys_json;'],
          { cwd: compose },
        ),
      );
      r(await timed('docker', ['compose', 'up', '-d', '--wait'], { cwd: compose }));
    });
    await rm(restoreDir, { recursive: true, force: true });

    /** One `mxctl restore` of the backup: time, peak RSS, peak extra disk (side database volume
     * growth + staging), and the phases its report names. */
    const mxctlRestore = async () => {
      let rss = 0;
      let phases: string[] = [];
      const run = await measure(filesystemUsed(lab.dir), async () => {
        rss = await timed(
          process.execPath,
          [MXCTL, '--dir', lab.dir, 'restore', id, '--yes', '--no-safety-backup', '--checks', 'read-only', '--json'],
          {
            stdout: (text) =>
              (phases = (JSON.parse(text) as { phases: { name: string; seconds: number }[] }).phases.map(
                (p) => `${p.name.split(' ')[0] ?? ''} ${p.seconds.toFixed(1)} s`,
              )),
          },
        );
      });
      return { ...run, rss, phases };
    };
    log(`mxctl restore ${id} --no-safety-backup --checks read-only`);
    const oursRestore = await mxctlRestore();
    const oursRestoreRss = oursRestore.rss;
    const restorePhases = oursRestore.phases;

    // The same restore where this server has lost its media (a new machine, a wiped disk): no
    // live file to link, every byte written. The seed pipeline does the same work either way.
    log(`mxctl restore ${id} onto an emptied media store`);
    await rm(join(lab.dir, 'synapse', 'media_store', 'local_content'), { recursive: true, force: true });
    await rm(join(lab.dir, 'synapse', 'media_store', 'local_thumbnails'), { recursive: true, force: true });
    const freshRestore = await mxctlRestore();
    const freshRestoreRss = freshRestore.rss;
    const freshPhases = freshRestore.phases;

    const mib = (b: number) => `${(b / 1048576).toFixed(0)} MiB`;
    const report = {
      dataset: { media_mib: Math.round(mediaBytes / 1048576), media_files: FILES, db_mib_requested: DB_MB },
      backup: {
        seed_s: +seedBackup.seconds.toFixed(1),
        mxctl_s: +ours.seconds.toFixed(1),
        ratio: +(ours.seconds / seedBackup.seconds).toFixed(2),
        seed_peak_rss_mib: Math.round(seedRss / 1024),
        mxctl_peak_rss_mib: Math.round(oursRss / 1024),
        seed_archive: mib(seedArchive),
        mxctl_archive: mib(oursArchive),
        seed_peak_disk: mib(seedBackup.peakDisk),
        mxctl_peak_disk: mib(ours.peakDisk),
        mxctl_disk_vs_archive: +(ours.peakDisk / oursArchive).toFixed(2),
      },
      restore: {
        seed_s: +seedRestore.seconds.toFixed(1),
        mxctl_s: +oursRestore.seconds.toFixed(1),
        ratio: +(oursRestore.seconds / seedRestore.seconds).toFixed(2),
        seed_peak_rss_mib: Math.round(seedRestoreRss / 1024),
        mxctl_peak_rss_mib: Math.round(oursRestoreRss / 1024),
        seed_peak_extra_disk: mib(seedRestore.peakDisk),
        mxctl_peak_extra_disk: mib(oursRestore.peakDisk),
        mxctl_disk_vs_archive: +(oursRestore.peakDisk / oursArchive).toFixed(2),
        mxctl_phases: restorePhases,
      },
      restore_onto_empty_media_store: {
        mxctl_s: +freshRestore.seconds.toFixed(1),
        ratio: +(freshRestore.seconds / seedRestore.seconds).toFixed(2),
        mxctl_peak_rss_mib: Math.round(freshRestoreRss / 1024),
        mxctl_peak_extra_disk: mib(freshRestore.peakDisk),
        mxctl_disk_vs_archive: +(freshRestore.peakDisk / oursArchive).toFixed(2),
        mxctl_phases: freshPhases,
      },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
    await lab.destroy();
  }
}

await main();
