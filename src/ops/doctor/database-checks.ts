// Database: Postgres answers (pg_isready), the DB's encoding/collation, connection slots vs
// Synapse's pool, and disk space where Postgres and the media store live.
import { join } from 'node:path';
import type { Finding } from '../../core/doctor/finding.ts';
import { fail, ok, warn } from '../../core/doctor/finding.ts';
import { judgeConnections, judgeDisk } from '../../core/doctor/rules.ts';
import { diskUsage } from '../../adapters/fs.ts';
import { volumeMountpoint } from '../../adapters/docker-inspect.ts';
import { sqlLiteral } from '../../adapters/postgres.ts';
import { postgresVolume } from '../../core/upgrade/postgres-major.ts';
import type { DoctorFacts } from './facts.ts';
import { hsValue, isRunning } from './facts.ts';

const DOWN_FIX =
  'Start it with `mxctl up`; if it stops again read `mxctl logs postgres` (disk full and a corrupt data dir are the usual causes).';

async function psql(f: DoctorFacts, sql: string): Promise<string> {
  const s = f.d.deployment.settings;
  // NOTE: the socket inside the container needs no password (the image's local trust rule),
  // and POSTGRES_USER is the superuser, so this works even when client slots are exhausted.
  const r = await f.d.compose.exec(
    'postgres',
    ['psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-U', s.POSTGRES_USER, '-d', s.POSTGRES_DB, '-c', sql],
    { timeoutMs: 15_000 },
  );
  return r.stdout.trim();
}

export async function databaseChecks(f: DoctorFacts): Promise<Finding[]> {
  if (!isRunning(f, 'postgres')) {
    return [fail('db.ready', 'PostgreSQL is not running, so Synapse cannot reach its database', DOWN_FIX)];
  }
  const s = f.d.deployment.settings;
  const ready = await f.d.compose
    .exec('postgres', ['pg_isready', '-U', s.POSTGRES_USER, '-d', s.POSTGRES_DB], { timeoutMs: 15_000 })
    .then(
      (r) => ({ ok: true, text: r.stdout.trim() }),
      (e: unknown) => ({ ok: false, text: (e as { detail?: string }).detail ?? (e as Error).message }),
    );
  if (!ready.ok)
    return [fail('db.ready', `PostgreSQL does not accept connections: ${ready.text}`, DOWN_FIX, [ready.text])];
  const out: Finding[] = [ok('db.ready', 'PostgreSQL accepts connections', [ready.text])];

  const [encoding, collate, ctype] = (
    await psql(
      f,
      'SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database WHERE datname = current_database()',
    )
  ).split('|');
  out.push(
    encoding === 'UTF8' && collate === 'C' && ctype === 'C'
      ? ok('db.collation', 'the database is UTF8 with C collation and ctype')
      : fail(
          'db.collation',
          `the database is ${encoding} with collation ${collate} / ctype ${ctype}; Synapse needs UTF8 + C`,
          'Dump it, recreate it with `createdb --encoding=UTF8 --locale=C --template=template0`, restore the dump.',
        ),
  );

  // Our own session is left out: it is not a client of the server being judged.
  const row = (
    await psql(
      f,
      `SELECT count(*) FILTER (WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()),
      current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int,
      count(*) FILTER (WHERE backend_type = 'client backend' AND usename = ${sqlLiteral(s.POSTGRES_USER)} AND application_name NOT LIKE 'psql%')
      FROM pg_stat_activity`,
    )
  )
    .split('|')
    .map(Number);
  const holders = (
    await psql(
      f,
      `SELECT coalesce(nullif(application_name, ''), 'unnamed') || ' (' || coalesce(usename, '?') || ') x ' || count(*)
      FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() GROUP BY application_name, usename ORDER BY count(*) DESC LIMIT 5`,
    )
  )
    .split('\n')
    .filter((l) => l !== '');
  const cpMax = hsValue(f, 'database.args.cp_max');
  out.push(
    judgeConnections('db.connections', {
      total: row[0] ?? 0,
      maxConnections: row[1] ?? 100,
      reserved: row[2] ?? 3,
      synapse: row[3] ?? 0,
      cpMax: typeof cpMax === 'number' ? cpMax : 10,
      holders,
    }),
  );
  return out;
}

export async function diskChecks(f: DoctorFacts): Promise<Finding[]> {
  const out: Finding[] = [];
  const media = join(f.d.deployment.root, 'synapse', 'media_store');
  const mu = await diskUsage(media);
  out.push(
    judgeDisk('disk.media', `the filesystem holding the media store (${media})`, mu.usedFraction, [
      `${gib(mu.freeBytes)} free of ${gib(mu.totalBytes)}`,
    ]),
  );
  const volume = postgresVolume(f.d.deployment.settings);
  const mount = await volumeMountpoint(volume);
  if (mount === undefined) {
    out.push(
      warn(
        'disk.postgres',
        `cannot find the Postgres volume ${volume}`,
        'Is the stack created? `mxctl up` creates it.',
      ),
    );
  } else {
    const pu = await diskUsage(mount);
    out.push(
      judgeDisk('disk.postgres', `the filesystem holding Postgres (${mount})`, pu.usedFraction, [
        `${gib(pu.freeBytes)} free of ${gib(pu.totalBytes)}`,
      ]),
    );
  }
  return out;
}

const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;
