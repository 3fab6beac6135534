// What a PostgreSQL major upgrade needs from Docker beyond compose (`PgUpgradeTools`, the
// `pgUpgradeTools` part of the deps): named volumes (create with compose's labels, so compose
// adopts them; look up; remove) and a scratch server — the new image on the new volume, started
// outside compose with no network at all, reached through `docker exec` only, while the
// deployment's own postgres keeps serving the old cluster.
import { dockerOut } from './docker.ts';
import { run, tail } from './exec.ts';
import { dockerStreaming } from './postgres.ts';
import type { StreamingProcess } from './postgres.ts';
import { MxError } from '../core/errors.ts';

const docker = dockerOut;

export interface VolumeInfo {
  name: string;
  createdAt: string;
  /** Where the daemon keeps it on this host (readable by root: the disk-room check). */
  mountpoint: string | undefined;
}

export async function volumeInfo(name: string): Promise<VolumeInfo | undefined> {
  const r = await run('docker', ['volume', 'inspect', '--format', '{{.Name}}|{{.CreatedAt}}|{{.Mountpoint}}', name], {
    purpose: `looking up the volume ${name}`,
    timeoutMs: 30_000,
    reject: false,
  });
  if (r.exitCode !== 0) return undefined;
  const [n = name, createdAt = '', mountpoint = ''] = r.stdout.trim().split('|');
  return { name: n, createdAt, mountpoint: mountpoint === '' ? undefined : mountpoint };
}

/** A volume labelled as compose labels its own, so a later `compose up` uses it without a warning. */
export async function createVolume(name: string, project: string, composeKey: string): Promise<void> {
  await docker(
    [
      'volume',
      'create',
      '--label',
      `com.docker.compose.project=${project}`,
      '--label',
      `com.docker.compose.volume=${composeKey}`,
      '--label',
      'mxctl.postgres-upgrade=1',
      name,
    ],
    `creating the volume ${name}`,
  );
}

export async function removeVolume(name: string): Promise<void> {
  await docker(['volume', 'rm', name], `removing the volume ${name}`);
}

/** Containers (running or not) that mount the volume: a volume in use must not be removed. */
export async function containersUsing(volume: string): Promise<string[]> {
  const out = await docker(
    ['ps', '-a', '--filter', `volume=${volume}`, '--format', '{{.Names}}'],
    'listing containers',
  );
  return out.split('\n').filter((l) => l.trim() !== '');
}

/** `docker rm -f NAME`; a container that is not there is not an error. */
export async function removeContainer(name: string): Promise<void> {
  await run('docker', ['rm', '-f', '--volumes=false', name], {
    purpose: `removing ${name}`,
    timeoutMs: 120_000,
    reject: false,
  });
}

export interface ScratchPostgresOptions {
  name: string;
  image: string;
  volume: string;
  mount: string;
  user: string;
  password: string;
  db: string;
  project: string;
}

export interface ScratchPostgres {
  readonly name: string;
  /** psql as the superuser over the local socket; the SQL through stdin. */
  psql(sql: string, db: string): Promise<string>;
  exec(argv: readonly string[], purpose: string, timeoutMs?: number): Promise<string>;
  /** `docker exec -i NAME ARGV` with stdin/stdout as streams (pg_restore from a pipe). */
  streaming(argv: readonly string[], purpose: string): StreamingProcess;
  /** A clean shutdown (the data checkpointed), then the container removed; the volume stays. */
  stop(): Promise<void>;
}

/**
 * Starts the image's own entrypoint on the (empty) volume: it runs initdb with the deployment's
 * POSTGRES_INITDB_ARGS (UTF8, C locale: what Synapse requires), creates POSTGRES_USER with
 * POSTGRES_PASSWORD and POSTGRES_DB — exactly as compose would — then serves. The password goes
 * through docker's environment, never argv. Returns once the final server answers on TCP
 * loopback inside the container: the entrypoint's init-time server listens on the socket only.
 */
export async function startScratchPostgres(o: ScratchPostgresOptions, timeoutS = 180): Promise<ScratchPostgres> {
  await removeContainer(o.name);
  await docker(
    [
      'run',
      '-d',
      '--name',
      o.name,
      '--label',
      `mxctl.postgres-upgrade=${o.project}`,
      '--network',
      'none',
      '-e',
      'POSTGRES_USER',
      '-e',
      'POSTGRES_PASSWORD',
      '-e',
      'POSTGRES_DB',
      '-e',
      'POSTGRES_INITDB_ARGS',
      '-v',
      `${o.volume}:${o.mount}`,
      o.image,
      'postgres',
      '-c',
      'listen_addresses=127.0.0.1',
    ],
    `starting ${o.image} on the new volume`,
    {
      env: {
        POSTGRES_USER: o.user,
        POSTGRES_PASSWORD: o.password,
        POSTGRES_DB: o.db,
        POSTGRES_INITDB_ARGS: '--encoding=UTF8 --locale=C',
      },
    },
  );
  const exec = (argv: readonly string[], purpose: string, timeoutMs = 600_000, input?: string) =>
    docker(['exec', '-i', o.name, ...argv], purpose, { timeoutMs, ...(input === undefined ? {} : { input }) });
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const r = await run('docker', ['exec', o.name, 'pg_isready', '-q', '-h', '127.0.0.1', '-U', o.user], {
      purpose: 'waiting for the new server',
      timeoutMs: 30_000,
      reject: false,
    });
    if (r.exitCode === 0) break;
    const state = await docker(['inspect', '-f', '{{.State.Status}}', o.name], 'reading the new server state');
    if (state.trim() !== 'running') {
      const logs = await run('docker', ['logs', '--tail', '20', o.name], { purpose: 'reading its log', reject: false });
      throw new MxError('E_DATABASE', `The new PostgreSQL server (${o.image}) stopped while starting.`, {
        detail: tail(logs.stdout + logs.stderr),
      });
    }
    if (Date.now() > deadline)
      throw new MxError('E_TIMEOUT', `The new PostgreSQL server (${o.image}) did not start within ${timeoutS} s.`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    name: o.name,
    psql: (sql, db) =>
      exec(
        ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-U', o.user, '-d', db],
        'loading into the new server',
        600_000,
        sql,
      ),
    exec: (argv, purpose, timeoutMs) => exec(argv, purpose, timeoutMs),
    streaming: (argv, purpose) => dockerStreaming(['exec', '-i', o.name, ...argv], { program: argv[0] }, purpose),
    async stop() {
      await docker(['stop', '-t', '120', o.name], 'stopping the new server', { timeoutMs: 180_000 });
      await removeContainer(o.name);
    },
  };
}

export interface PgUpgradeTools {
  volumeInfo(name: string): Promise<VolumeInfo | undefined>;
  createVolume(name: string, project: string, composeKey: string): Promise<void>;
  removeVolume(name: string): Promise<void>;
  containersUsing(volume: string): Promise<string[]>;
  removeContainer(name: string): Promise<void>;
  startScratchPostgres(o: ScratchPostgresOptions, timeoutS?: number): Promise<ScratchPostgres>;
}

export const dockerPgUpgradeTools: PgUpgradeTools = {
  volumeInfo,
  createVolume,
  removeVolume,
  containersUsing,
  removeContainer,
  startScratchPostgres,
};
