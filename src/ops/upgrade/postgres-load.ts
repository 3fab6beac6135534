// The dump-and-load of a PostgreSQL major upgrade: the old cluster (the deployment's running
// postgres, only read) into a scratch server of the new image on a new volume. What Synapse
// needs comes across: the roles with their password hashes (pg_dumpall --roles-only), the
// database as initdb made it under the new image (UTF8, C collation and ctype, owned as before)
// and every row (pg_dump -Fc straight into pg_restore, no file in between). Then planner
// statistics (a restore has none), and row counts of every table compared, old against new.
import { MxError, wrapError } from '../../core/errors.ts';
import { rolesForNewCluster } from '../../core/upgrade/postgres-major.ts';
import type { PostgresMove } from '../../core/upgrade/journal.ts';
import type { ScratchPostgres } from '../../adapters/scratch-postgres.ts';
import { execStreaming, sqlIdent, sqlLiteral } from '../../adapters/postgres.ts';
import { pipeline } from 'node:stream/promises';
import type { Deps } from '../deps.ts';

export type LoadDeps = Pick<Deps, 'deployment' | 'compose' | 'postgres' | 'pgUpgradeTools' | 'progress'>;

export interface LoadReport {
  tables: number;
  rows: number;
  /** Tables whose row count differs old → new (empty: the load is whole). */
  mismatched: string[];
}

/** The scratch server's container name: one per deployment, so a killed run's is found again. */
export function scratchName(project: string): string {
  return `${project}-pg-upgrade`;
}

export async function loadNewCluster(move: PostgresMove, image: string, d: LoadDeps): Promise<LoadReport> {
  const s = d.deployment.settings;
  if ((await d.pgUpgradeTools.volumeInfo(move.toVolume)) !== undefined)
    throw new MxError('E_UPGRADE_FAILED', `The volume ${move.toVolume} exists already: it is not mxctl's to fill.`);
  d.progress.step(`creating the volume ${move.toVolume} and starting ${image} on it`);
  await d.pgUpgradeTools.createVolume(move.toVolume, s.COMPOSE_PROJECT_NAME, 'postgres-data');
  const scratch = await d.pgUpgradeTools.startScratchPostgres({
    name: scratchName(s.COMPOSE_PROJECT_NAME),
    image,
    volume: move.toVolume,
    mount: move.toMount,
    user: s.POSTGRES_USER,
    password: s.POSTGRES_PASSWORD,
    db: s.POSTGRES_DB,
    project: s.COMPOSE_PROJECT_NAME,
  });
  d.progress.step('copying the roles (with their password hashes)');
  const roles = await d.compose.exec('postgres', ['pg_dumpall', '-U', s.POSTGRES_USER, '--roles-only'], {
    timeoutMs: 120_000,
  });
  await scratch.psql(rolesForNewCluster(roles.stdout, s.POSTGRES_USER), 'postgres');
  await matchDatabase(scratch, d);
  d.progress.step(`dumping ${s.POSTGRES_DB} from the old server into the new one`);
  await dumpInto(scratch, d);
  d.progress.step('planner statistics (ANALYZE) on the new server');
  await scratch.exec(['vacuumdb', '-U', s.POSTGRES_USER, '-d', s.POSTGRES_DB, '--analyze-only', '-q'], 'ANALYZE');
  const report = await compareCounts(scratch, d);
  d.progress.step('stopping the new server cleanly (the volume keeps its data)');
  await scratch.stop();
  return report;
}

/** Synapse's database on the new server: the encoding and locale it requires, the old owner. */
async function matchDatabase(scratch: ScratchPostgres, d: LoadDeps): Promise<void> {
  const db = d.deployment.settings.POSTGRES_DB;
  const q = `SELECT pg_encoding_to_char(encoding), datcollate, datctype, pg_get_userbyid(datdba) FROM pg_database WHERE datname = ${sqlLiteral(db)};`;
  const [oldEnc, oldCollate, oldCtype, owner = ''] = (await d.postgres.psql(q)).trim().split('|');
  const [enc, collate, ctype] = (await scratch.psql(q, 'postgres')).trim().split('|');
  if (enc !== oldEnc || collate !== oldCollate || ctype !== oldCtype)
    throw new MxError(
      'E_UPGRADE_FAILED',
      `The new server made ${db} as ${enc}/${collate}/${ctype}, the old one has ${oldEnc}/${oldCollate}/${oldCtype}.`,
      { hint: 'Synapse requires UTF8 with C collation and ctype (POSTGRES_INITDB_ARGS in the compose file).' },
    );
  await scratch.psql(`ALTER DATABASE ${sqlIdent(db)} OWNER TO ${sqlIdent(owner)};`, 'postgres');
}

/** pg_dump -Fc (uncompressed: it never touches a disk) piped into pg_restore, which stops at the first error. */
async function dumpInto(scratch: ScratchPostgres, d: LoadDeps): Promise<void> {
  const s = d.deployment.settings;
  const dump = execStreaming(
    d.deployment.composeDir,
    ['pg_dump', '-U', s.POSTGRES_USER, '-d', s.POSTGRES_DB, '-Fc', '-Z', '0'],
    'dumping the old cluster (pg_dump)',
  );
  dump.stdin.end();
  const load = scratch.streaming(
    ['pg_restore', '-U', s.POSTGRES_USER, '-d', s.POSTGRES_DB, '--exit-on-error'],
    'loading the new cluster (pg_restore)',
  );
  try {
    await Promise.all([pipeline(dump.stdout, load.stdin), dump.done, load.done]);
  } catch (error) {
    dump.kill();
    load.kill();
    throw wrapError('E_UPGRADE_FAILED', (inner) => `The dump and load into the new PostgreSQL failed: ${inner}`, error);
  }
}

const COUNT_SQL = `SELECT string_agg(format('SELECT %L, count(*) FROM %I.%I', schemaname || '.' || tablename, schemaname, tablename), ' UNION ALL ' ORDER BY schemaname, tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema');`;

/** Every table's row count on both servers: the load is whole only if all are equal. */
async function compareCounts(scratch: ScratchPostgres, d: LoadDeps): Promise<LoadReport> {
  const db = d.deployment.settings.POSTGRES_DB;
  const query = (await d.postgres.psql(COUNT_SQL)).trim();
  if (query === '') return { tables: 0, rows: 0, mismatched: [] };
  const parse = (out: string) =>
    new Map(
      out
        .trim()
        .split('\n')
        .map((l) => l.split('|'))
        .map(([t = '', n = '0']) => [t, Number(n)] as const),
    );
  const old = parse(await d.postgres.psql(`${query};`, { timeoutMs: 1_800_000 }));
  const now = parse(await scratch.psql(`${query};`, db));
  const mismatched = [...old]
    .filter(([t, n]) => now.get(t) !== n)
    .map(([t, n]) => `${t} (${n} → ${now.get(t) ?? 'absent'})`);
  const report = { tables: old.size, rows: [...old.values()].reduce((a, b) => a + b, 0), mismatched };
  if (mismatched.length > 0)
    throw new MxError(
      'E_UPGRADE_FAILED',
      `The new cluster's row counts differ from the old one's: ${mismatched.slice(0, 5).join(', ')}.`,
    );
  return report;
}
