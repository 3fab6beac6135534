// Facts Docker knows about a container or volume that compose does not print, and a container's log.
import { MxError } from '../core/errors.ts';
import { run } from './exec.ts';

export interface ContainerFacts {
  name: string;
  /** Its compose service (the com.docker.compose.service label; '' for a container compose did not make). */
  service: string;
  /** Docker's state: running, exited, restarting, created … */
  state: string;
  /** Docker's health: healthy, unhealthy, starting, or '' without a healthcheck. Kept after a stop. */
  health: string;
  exitCode: number;
  restartCount: number;
  restarting: boolean;
  startedAt: Date | undefined;
  /** Host pid of the container's main process (0 when not running). */
  pid: number;
  /** The image reference the container was created from. */
  image: string;
  /** Its addresses on its Docker networks (none with host networking, or when stopped). */
  addresses: string[];
  /** network_mode: host (the lab): its ports are on the host's own addresses. */
  hostNetwork: boolean;
}

export async function inspectContainer(name: string): Promise<ContainerFacts> {
  const [facts] = await inspectContainers([name]);
  if (facts === undefined) throw new Error(`docker inspect printed nothing for ${name}`);
  return facts;
}

/**
 * Several containers in one `docker inspect` (each is ~40 ms of CPU for the docker CLI to start:
 * the monitor inspects the whole stack every pass).
 */
export async function inspectContainers(
  names: readonly string[],
  o: { skipGone?: boolean; purpose?: string } = {},
): Promise<ContainerFacts[]> {
  if (names.length === 0) return [];
  const purpose = o.purpose ?? `inspecting ${names.join(', ')}`;
  // NOTE: skipGone: a container removed since it was listed makes inspect exit 1 for it alone;
  // the others are still printed.
  const r = await run('docker', ['inspect', '--format', '{{json .}}', ...names], {
    purpose,
    timeoutMs: 15_000,
    reject: o.skipGone !== true,
  });
  const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0 && r.exitCode !== 0)
    throw new MxError('E_COMMAND_FAILED', `${purpose}: docker inspect exited with code ${r.exitCode}.`, {
      detail: r.stderr.slice(0, 500),
    });
  return lines.map((line) => containerFacts(JSON.parse(line) as InspectJson));
}

interface InspectJson {
  Name?: string;
  RestartCount?: number;
  State?: {
    Status?: string;
    Restarting?: boolean;
    StartedAt?: string;
    Pid?: number;
    ExitCode?: number;
    Health?: { Status?: string };
  };
  Config?: { Image?: string; Labels?: Record<string, string> | null };
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> };
}

function containerFacts(j: InspectJson): ContainerFacts {
  const started = j.State?.StartedAt;
  return {
    name: (j.Name ?? '').replace(/^\//, ''),
    service: j.Config?.Labels?.['com.docker.compose.service'] ?? '',
    state: j.State?.Status ?? '',
    health: j.State?.Health?.Status ?? '',
    exitCode: j.State?.ExitCode ?? 0,
    restartCount: j.RestartCount ?? 0,
    restarting: j.State?.Restarting === true,
    startedAt: started === undefined || started.startsWith('0001') ? undefined : new Date(started),
    pid: j.State?.Pid ?? 0,
    image: j.Config?.Image ?? '',
    addresses: Object.values(j.NetworkSettings?.Networks ?? {})
      .map((n) => n.IPAddress ?? '')
      .filter((a) => a !== ''),
    hostNetwork: j.HostConfig?.NetworkMode === 'host',
  };
}

export async function volumeMountpoint(volume: string): Promise<string | undefined> {
  const r = await run('docker', ['volume', 'inspect', '--format', '{{.Mountpoint}}', volume], {
    purpose: `inspecting volume ${volume}`,
    timeoutMs: 15_000,
    reject: false,
  });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/**
 * A container's log as text (stdout and stderr), like `docker compose logs --no-log-prefix` but
 * a sixth of its CPU (~40 ms against ~290: compose loads the whole project first) — the monitor
 * reads Synapse's log every pass.
 */
export async function containerLog(
  container: string,
  o: { tail: number; since?: string; timestamps?: boolean },
): Promise<string> {
  const args = ['logs', '--tail', String(o.tail), ...(o.since === undefined ? [] : ['--since', o.since])];
  if (o.timestamps === true) args.push('--timestamps');
  const r = await run('docker', [...args, container], { purpose: `reading ${container}'s log`, timeoutMs: 30_000 });
  return r.stdout + r.stderr;
}
