// PostgreSQL tools run inside the deployment's postgres container (`docker compose exec -T`),
// over its local socket: no password on any command line. Dumps stream; memory stays flat.
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { run, signalWords } from './exec.ts';
import { onStop } from './interrupt.ts';
import { CommandError, MxError } from '../core/errors.ts';

export interface PgTarget {
  composeDir: string;
  user: string;
  db: string;
}

export interface StreamingProcess {
  stdout: Readable;
  stdin: Writable;
  done: Promise<void>;
  kill(): void;
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-10).join('\n');
}

/**
 * `docker compose exec -T postgres ARGV` with its stdin/stdout as streams. A failed program is a
 * CommandError (E_DATABASE) with its exit code or signal and its stderr tail; the operation
 * that ran it says what failed for the user (`wrapError`).
 */
export function execStreaming(composeDir: string, argv: readonly string[], purpose: string): StreamingProcess {
  return dockerStreaming(
    ['compose', 'exec', '-T', 'postgres', ...argv],
    { cwd: composeDir, program: argv[0] },
    purpose,
  );
}

/** `docker ARGS` with its stdin/stdout as streams (a container outside compose: `exec -i NAME ...`). */
export function dockerStreaming(
  args: readonly string[],
  o: { cwd?: string; program: string | undefined },
  purpose: string,
): StreamingProcess {
  const child = spawn('docker', args, {
    ...(o.cwd === undefined ? {} : { cwd: o.cwd }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const forget = onStop(() => child.kill('SIGTERM'));
  child.on('close', forget);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr = (stderr + d).slice(-8000);
  });
  child.stdin.on('error', () => undefined);
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (cause) =>
      reject(new MxError('E_DOCKER_MISSING', `${purpose}: docker could not be started.`, { cause })),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const file = o.program ?? 'the command';
      const how = signal !== null ? `was ${signalWords(signal)}` : `exited with code ${code}`;
      reject(
        new CommandError('E_DATABASE', `${purpose}: ${file} ${how}.`, {
          file,
          exitCode: code ?? undefined,
          signal: signal ?? undefined,
          stderrTail: tail(stderr),
        }),
      );
    });
  });
  done.catch(() => undefined); // awaited by the caller once the streams drain
  return { stdout: child.stdout, stdin: child.stdin, done, kill: () => child.kill('SIGKILL') };
}

/**
 * pg_dump in custom format with the one-time-keys data left out (Synapse's backup docs).
 * NOTE: zstd instead of the default gzip: about as small, several times faster to write, and
 * the dump is the one part of a backup no other stage can overlap. pg_restore >= 16 reads it.
 * pg_dump <= 15 knows gzip only (a deployment before its major upgrade): its `--help` names no
 * compression METHOD, and it gets gzip level 6, which every pg_restore reads.
 */
export function startDump(t: PgTarget): StreamingProcess {
  const p = execStreaming(
    t.composeDir,
    [
      'sh',
      '-c',
      'c=--compress=6; pg_dump --help | grep -q "compress=METHOD" && c=--compress=zstd; exec pg_dump "$c" "$@"',
      'pg_dump',
      '-U',
      t.user,
      '-d',
      t.db,
      '-Fc',
      '--exclude-table-data',
      'e2e_one_time_keys_json',
    ],
    'dumping the database',
  );
  p.stdin.end();
  return p;
}

/** pg_dump as plain SQL, no owners or grants (the restore runs as the deployment's role), one-time keys left out. */
export function startPlainDump(t: PgTarget): StreamingProcess {
  const p = execStreaming(
    t.composeDir,
    [
      'pg_dump',
      '-U',
      t.user,
      '-d',
      t.db,
      '-Fp',
      '--no-owner',
      '--no-privileges',
      '--exclude-table-data',
      'e2e_one_time_keys_json',
    ],
    'dumping the database (plain SQL)',
  );
  p.stdin.end();
  return p;
}

/** One SQL script through psql's stdin (so values never reach argv); returns the unaligned output. */
export async function psql(t: PgTarget, sql: string, o: { db?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await run(
    'docker',
    [
      'compose',
      'exec',
      '-T',
      'postgres',
      'psql',
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-At',
      '-U',
      t.user,
      '-d',
      o.db ?? t.db,
    ],
    {
      cwd: t.composeDir,
      input: sql,
      timeoutMs: o.timeoutMs ?? 120_000,
      purpose: 'querying the database',
    },
  );
  return r.stdout;
}

/** Row counts of the named tables (absent tables are left out). */
export async function countRows(t: PgTarget, tables: readonly string[]): Promise<Record<string, number>> {
  const present = (await psql(t, "SELECT tablename FROM pg_tables WHERE schemaname = 'public';"))
    .split('\n')
    .filter((l) => l !== '');
  const wanted = tables.filter((x) => present.includes(x));
  if (wanted.length === 0) return {};
  const sql = `${wanted.map((x) => `SELECT '${x}', count(*) FROM "${x}"`).join('\nUNION ALL\n')};`;
  const out: Record<string, number> = {};
  for (const line of (await psql(t, sql)).split('\n')) {
    const [name, n] = line.split('|');
    if (name !== undefined && n !== undefined) out[name] = Number(n);
  }
  return out;
}

/** Synapse's schema_version and schema_compat_version, or undefined for a database without them. */
export async function schemaVersions(t: PgTarget): Promise<{ version: number; compat: number } | undefined> {
  try {
    const out = (
      await psql(t, 'SELECT (SELECT version FROM schema_version), (SELECT compat_version FROM schema_compat_version);')
    ).trim();
    const [v, c] = out.split('|').map(Number);
    if (v === undefined || c === undefined || !Number.isFinite(v) || !Number.isFinite(c)) return undefined;
    return { version: v, compat: c };
  } catch (error) {
    if (error instanceof MxError && /does not exist/.test(error.detail ?? '')) return undefined;
    throw error;
  }
}

/** A quoted SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A quoted SQL string literal. */
export function sqlLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Creates an empty database as Synapse requires it: UTF8, C collation and ctype, from template0. */
export async function createDatabase(t: PgTarget, name: string): Promise<void> {
  // NOTE: connect to the maintenance database: a database can't be created or dropped from inside.
  await psql(
    t,
    `CREATE DATABASE ${sqlIdent(name)} OWNER ${sqlIdent(t.user)} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;`,
    { db: 'postgres' },
  );
}

export async function dropDatabase(t: PgTarget, name: string): Promise<void> {
  await psql(t, `DROP DATABASE IF EXISTS ${sqlIdent(name)} WITH (FORCE);`, { db: 'postgres', timeoutMs: 600_000 });
}

/** Sets the role's password; the value goes through psql's stdin, never argv. */
export async function setRolePassword(t: PgTarget, password: string): Promise<void> {
  await psql(t, `ALTER ROLE ${sqlIdent(t.user)} PASSWORD ${sqlLiteral(password)};`);
}

/**
 * Puts `incoming` in the place of `t.db` in one transaction (ALTER DATABASE ... RENAME is
 * transactional): at every instant exactly one of them is the live database. The old one is
 * kept as `replaced` for the caller to drop. Every session on either is ended first.
 */
export async function swapInDatabase(t: PgTarget, incoming: string, replaced: string): Promise<void> {
  await psql(
    t,
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname IN (${sqlLiteral(t.db)}, ${sqlLiteral(incoming)}) AND pid <> pg_backend_pid();
BEGIN;
ALTER DATABASE ${sqlIdent(t.db)} RENAME TO ${sqlIdent(replaced)};
ALTER DATABASE ${sqlIdent(incoming)} RENAME TO ${sqlIdent(t.db)};
COMMIT;`,
    { db: 'postgres' },
  );
}

/**
 * The deployment's database server as the operations see it. One real implementation (below,
 * through `docker compose exec`); tests wrap it to inject faults.
 */
export interface Postgres {
  readonly target: PgTarget;
  psql(sql: string, o?: { db?: string; timeoutMs?: number }): Promise<string>;
  countRows(tables: readonly string[]): Promise<Record<string, number>>;
  schemaVersions(): Promise<{ version: number; compat: number } | undefined>;
  createDatabase(name: string): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  setRolePassword(password: string): Promise<void>;
  swapInDatabase(incoming: string, replaced: string): Promise<void>;
  /** `pg_dump -Fc` of the live database, streaming. */
  startDump(): StreamingProcess;
  /** `pg_restore` from stdin into `db` (an empty database). */
  startRestore(db: string): StreamingProcess;
  /** `pg_restore -f /dev/null` from stdin: reads a dump through without loading it. */
  startDumpCheck(): StreamingProcess;
  /** `pg_dump` as a plain SQL script (repository mode: unchanged rows stay unchanged bytes, so they deduplicate). */
  startPlainDump(): StreamingProcess;
  /** A plain SQL script from stdin into `db` (an empty database), stopping at the first error. */
  startSqlLoad(db: string): StreamingProcess;
}

export function createPostgres(t: PgTarget): Postgres {
  return {
    target: t,
    psql: (sql, o) => psql(t, sql, o),
    countRows: (tables) => countRows(t, tables),
    schemaVersions: () => schemaVersions(t),
    createDatabase: (name) => createDatabase(t, name),
    dropDatabase: (name) => dropDatabase(t, name),
    setRolePassword: (password) => setRolePassword(t, password),
    swapInDatabase: (incoming, replaced) => swapInDatabase(t, incoming, replaced),
    startDump: () => startDump(t),
    startRestore: (db) =>
      execStreaming(
        t.composeDir,
        ['pg_restore', '-U', t.user, '-d', db, '--no-owner', '--role', t.user, '--exit-on-error'],
        'restoring the database (pg_restore)',
      ),
    startDumpCheck: () =>
      execStreaming(t.composeDir, ['pg_restore', '-f', '/dev/null'], 'reading the dump back (pg_restore -f /dev/null)'),
    startPlainDump: () => startPlainDump(t),
    startSqlLoad: (db) =>
      execStreaming(
        t.composeDir,
        [
          'psql',
          '-X',
          '-q',
          '-U',
          t.user,
          '-d',
          db,
          '-v',
          'ON_ERROR_STOP=1',
          '--single-transaction',
          '-o',
          '/dev/null',
        ],
        'loading the database (psql)',
      ),
  };
}
