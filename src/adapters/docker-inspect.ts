// Facts Docker knows about a container or volume that compose does not print.
import { run } from './exec.ts';

export interface ContainerFacts {
  name: string;
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
  const r = await run('docker', ['inspect', '--format', '{{json .}}', name], {
    purpose: `inspecting ${name}`,
    timeoutMs: 15_000,
  });
  const j = JSON.parse(r.stdout) as {
    RestartCount?: number;
    State?: { Restarting?: boolean; StartedAt?: string; Pid?: number };
    Config?: { Image?: string };
    HostConfig?: { NetworkMode?: string };
    NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> };
  };
  const started = j.State?.StartedAt;
  return {
    name,
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
