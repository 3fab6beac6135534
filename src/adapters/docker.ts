// Is Docker usable here? Each answer names the fix. And one docker command, its output or a
// CommandError naming what it was for (the image and volume tools build on it).
import { run, tail } from './exec.ts';
import { CommandError, MxError, isMxError } from '../core/errors.ts';

/** `docker ARGS`: its stdout, or a CommandError with the purpose and stderr's tail. */
export async function dockerOut(
  args: readonly string[],
  purpose: string,
  o: { timeoutMs?: number; input?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const r = await run('docker', args, {
    purpose,
    timeoutMs: o.timeoutMs ?? 60_000,
    reject: false,
    ...(o.input === undefined ? {} : { input: o.input }),
    ...(o.env === undefined ? {} : { env: o.env }),
  });
  if (r.exitCode !== 0)
    throw new CommandError('E_COMMAND_FAILED', `${purpose}: docker exited with code ${r.exitCode}.`, {
      file: 'docker',
      exitCode: r.exitCode,
      signal: undefined,
      stderrTail: tail(r.stderr),
    });
  return r.stdout;
}

export async function assertDockerReady(): Promise<void> {
  try {
    await run('docker', ['version', '--format', '{{.Client.Version}}'], {
      purpose: 'checking Docker',
      timeoutMs: 15_000,
    });
  } catch (error) {
    if (isMxError(error, 'E_TOOL_MISSING')) {
      throw new MxError('E_DOCKER_MISSING', 'Docker is not installed.', {
        hint: 'Install Docker Engine and compose v2 (on Debian: apt-get install docker.io; see the README), then run this again.',
      });
    }
    // `docker version` exits non-zero when the client works but the daemon does not answer.
    throw new MxError('E_DOCKER_DOWN', 'The Docker daemon is not running (or this user may not use it).', {
      hint: 'Start it (systemctl start docker, or dockerd &) and check `docker info` works for this user.',
      cause: error,
    });
  }
  const info = await run('docker', ['info', '--format', '{{.ServerVersion}}'], {
    purpose: 'checking Docker',
    timeoutMs: 15_000,
    reject: false,
  });
  if (info.exitCode !== 0) {
    throw new MxError('E_DOCKER_DOWN', 'The Docker daemon is not running (or this user may not use it).', {
      hint: 'Start it (systemctl start docker, or dockerd &) and check `docker info` works for this user.',
    });
  }
  const composeVersion = await run('docker', ['compose', 'version', '--short'], {
    purpose: 'checking compose',
    timeoutMs: 15_000,
    reject: false,
  });
  if (composeVersion.exitCode !== 0) {
    throw new MxError('E_COMPOSE_MISSING', 'Docker Compose v2 (`docker compose`) is not installed.', {
      hint: 'Install the compose plugin (lab/host/install.sh shows how on Debian 12), then run this again.',
    });
  }
}

let rootDir: Promise<string> | undefined;

/**
 * Docker's data root (`docker info`), read once per process: it changes only with a restart of
 * dockerd with another configuration, and `docker info` costs ~130 ms of CPU, which the monitor
 * paid twice a pass. A failed read is not kept.
 */
export function dockerRootDir(): Promise<string> {
  rootDir ??= dockerOut(['info', '--format', '{{.DockerRootDir}}'], 'reading Docker data root', {
    timeoutMs: 15_000,
  }).then(
    (out) => out.trim(),
    (error: unknown) => {
      rootDir = undefined;
      throw error;
    },
  );
  return rootDir;
}
