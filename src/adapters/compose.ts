// `docker compose` for one deployment: the project folder is the deployment's compose/ (so an
// override file there — the lab's — is picked up exactly as a hand-run `docker compose` would).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec.ts';
import { inspectContainers } from './docker-inspect.ts';
import { stopSignal } from './interrupt.ts';
import type { RunResult } from './exec.ts';
import { MxError } from '../core/errors.ts';

export interface ComposeServiceState {
  service: string;
  container: string;
  state: string; // running, exited, restarting, created ...
  health: string; // healthy, unhealthy, starting, or '' when there is no healthcheck
  exitCode: number;
  image: string;
}

export interface Compose {
  readonly projectDir: string;
  /** `noDeps`: start only the services named, without waiting on their dependencies' health checks. */
  up(services?: readonly string[], options?: { wait?: boolean; timeoutS?: number; noDeps?: boolean }): Promise<void>;
  down(): Promise<void>;
  restart(services: readonly string[]): Promise<void>;
  stop(services: readonly string[]): Promise<void>;
  /** Stops and removes the services' containers (`rm --stop --force`). */
  rm(services: readonly string[]): Promise<void>;
  ps(): Promise<ComposeServiceState[]>;
  logs(options: { services: readonly string[]; follow: boolean; tail?: number; timestamps?: boolean }): Promise<void>;
  /** `since` is docker's (e.g. "3600s"); `timestamps` prefixes each line with Docker's RFC 3339 receive time. */
  logsText(service: string, tail: number, since?: string, options?: { timestamps?: boolean }): Promise<string>;
  exec(
    service: string,
    argv: readonly string[],
    options?: { input?: string; user?: string; timeoutMs?: number },
  ): Promise<RunResult>;
  runOnce(
    service: string,
    argv: readonly string[],
    options?: { timeoutMs?: number; entrypoint?: string; noDeps?: boolean },
  ): Promise<RunResult>;
  config(): Promise<string>;
}

/**
 * `projectName`, when known (COMPOSE_PROJECT_NAME), lets `ps` ask Docker for the project's
 * containers by their label instead of running `docker compose ps`: ~90 ms of CPU against ~280
 * (compose loads and interpolates the whole project first), and the monitor asks every pass.
 */
export function createCompose(projectDir: string, projectName?: string): Compose {
  const compose = (args: readonly string[], purpose: string, extra: Partial<Parameters<typeof run>[2]> = {}) =>
    run('docker', ['compose', ...args], { cwd: projectDir, purpose, ...extra });
  // WHY kept while the project's files are unchanged: `docker compose config` costs ~270 ms of CPU
  // and the monitor asked for it twice a pass. Every file in the folder (the compose file, an
  // override, .env through its link) keys the copy by its size and mtime.
  let config: { key: string; text: string } | undefined;

  return {
    projectDir,
    async up(services = [], options = {}) {
      const args = ['up', '-d', '--remove-orphans'];
      if (options.wait === true) args.push('--wait', '--wait-timeout', String(options.timeoutS ?? 300));
      if (options.noDeps === true) args.push('--no-deps');
      await compose([...args, ...services], 'starting the stack', {
        timeoutMs: ((options.timeoutS ?? 300) + 60) * 1000,
      });
    },
    async down() {
      await compose(['down', '--remove-orphans'], 'stopping the stack', { timeoutMs: 180_000 });
    },
    async restart(services) {
      await compose(['restart', ...services], `restarting ${services.join(', ') || 'the stack'}`, {
        timeoutMs: 180_000,
      });
    },
    async stop(services) {
      await compose(['stop', ...services], `stopping ${services.join(', ')}`, { timeoutMs: 180_000 });
    },
    async rm(services) {
      await compose(['rm', '--stop', '--force', ...services], `removing ${services.join(', ')}`, {
        timeoutMs: 180_000,
      });
    },
    async ps() {
      if (projectName !== undefined) return psByLabel(projectName);
      const r = await compose(['ps', '--all', '--format', 'json'], 'reading the stack state', { timeoutMs: 30_000 });
      return parsePs(r.stdout);
    },
    async logs(o) {
      const args = ['logs', '--no-color'];
      if (o.follow) args.push('--follow');
      if (o.tail !== undefined) args.push('--tail', String(o.tail));
      if (o.timestamps === true) args.push('--timestamps');
      try {
        await compose([...args, ...o.services], 'reading logs', { inherit: true });
      } catch (error) {
        // NOTE: Ctrl-C (or a kill) is how one stops following logs, not a failure of it.
        if (stopSignal() === undefined) throw error;
      }
    },
    async logsText(service, tail, since, o = {}) {
      const args = [
        'logs',
        '--no-color',
        '--no-log-prefix',
        ...(o.timestamps === true ? ['--timestamps'] : []),
        '--tail',
        String(tail),
        ...(since === undefined ? [] : ['--since', since]),
        service,
      ];
      const r = await compose(args, `reading ${service}'s log`, { timeoutMs: 30_000 });
      return r.stdout + r.stderr;
    },
    async exec(service, argv, o = {}) {
      const args = ['exec', '-T'];
      if (o.user !== undefined) args.push('--user', o.user);
      return compose([...args, service, ...argv], `running a command in ${service}`, {
        ...(o.input === undefined ? {} : { input: o.input }),
        timeoutMs: o.timeoutMs ?? 60_000,
      });
    },
    async runOnce(service, argv, o = {}) {
      const args = ['run', '--rm', '-T'];
      if (o.noDeps === true) args.push('--no-deps');
      if (o.entrypoint !== undefined) args.push('--entrypoint', o.entrypoint);
      return compose([...args, service, ...argv], `running ${service}`, { timeoutMs: o.timeoutMs ?? 300_000 });
    },
    async config() {
      const key = await filesKey(projectDir);
      if (config?.key === key) return config.text;
      const text = (await compose(['config'], 'validating the compose file', { timeoutMs: 30_000 })).stdout;
      config = { key, text };
      return text;
    },
  };
}

async function filesKey(dir: string): Promise<string> {
  const names = (await readdir(dir)).sort();
  const parts = await Promise.all(
    names.map(async (n) => {
      const st = await stat(join(dir, n)).catch(() => undefined);
      return `${n}:${st?.size ?? '-'}:${st?.mtimeMs ?? '-'}`;
    }),
  );
  return parts.join('|');
}

/** What `docker compose ps --all` lists (one-off `run` containers left out), read from Docker itself. */
async function psByLabel(project: string): Promise<ComposeServiceState[]> {
  const purpose = 'reading the stack state';
  const ids = (
    await run(
      'docker',
      [
        'ps',
        '--all',
        '--quiet',
        '--filter',
        `label=com.docker.compose.project=${project}`,
        '--filter',
        'label=com.docker.compose.oneoff=False',
      ],
      { purpose, timeoutMs: 30_000 },
    )
  ).stdout
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (ids.length === 0) return [];
  return (await inspectContainers(ids, { skipGone: true, purpose }))
    .map((c) => ({
      service: c.service,
      container: c.name,
      state: c.state,
      // NOTE: as compose prints it: Docker keeps a stopped container's last health, compose does not.
      health: c.state === 'running' ? c.health : '',
      exitCode: c.exitCode,
      image: c.image,
    }))
    .sort((a, b) => a.service.localeCompare(b.service));
}

/** `docker compose ps --format json` prints a JSON array (old) or one object per line (new). */
export function parsePs(stdout: string): ComposeServiceState[] {
  const text = stdout.trim();
  if (text === '') return [];
  let rows: unknown[];
  try {
    rows = text.startsWith('[')
      ? (JSON.parse(text) as unknown[])
      : text.split('\n').map((l) => JSON.parse(l) as unknown);
  } catch (cause) {
    throw new MxError('E_COMMAND_FAILED', 'docker compose ps printed something that is not JSON.', {
      cause,
      detail: text.slice(0, 500),
    });
  }
  return rows.map((row) => {
    const r = row as Record<string, unknown>;
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    return {
      service: str(r['Service']),
      container: str(r['Name']),
      state: str(r['State']),
      health: str(r['Health']),
      exitCode: typeof r['ExitCode'] === 'number' ? r['ExitCode'] : 0,
      image: str(r['Image']),
    };
  });
}
