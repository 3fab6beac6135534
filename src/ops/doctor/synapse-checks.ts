// "Synapse won't start" and friends: homeserver.yaml syntax and required keys (and Synapse's
// own verdict when it is not running happily), registration, memory, recent errors in its log.
import { readText } from '../../adapters/fs.ts';
import { join } from 'node:path';
import type { Finding } from '../../core/doctor/finding.ts';
import { fail, ok, warn } from '../../core/doctor/finding.ts';
import { judgeMemory } from '../../core/doctor/rules.ts';
import {
  DEFAULT_LOG_WINDOW_MS,
  LOG_HISTORY_MS,
  judgeLogErrors,
  parseTimestampedLog,
} from '../../core/doctor/log-recency.ts';
import { pathExists } from '../../adapters/fs.ts';
import type { DoctorFacts } from './facts.ts';
import { hsValue, isRunning } from './facts.ts';

const REQUIRED = ['server_name', 'database', 'listeners', 'signing_key_path', 'media_store_path', 'log_config'];

/** Maps a path inside the synapse container (/data/...) to the deployment. */
const onHost = (f: DoctorFacts, p: unknown): string | undefined =>
  typeof p === 'string' && p.startsWith('/data/')
    ? join(f.d.deployment.root, 'synapse', p.slice('/data/'.length))
    : undefined;

export async function configChecks(f: DoctorFacts): Promise<Finding[]> {
  const hs = f.homeserver;
  if (hs.config === undefined) {
    return [
      fail(
        'synapse.config',
        `synapse/homeserver.yaml does not parse: ${hs.syntaxError ?? 'unknown error'}`,
        'Fix the YAML at that line (indentation, a missing colon or quote), then `mxctl restart synapse`.',
        [hs.path],
      ),
    ];
  }
  const problems: string[] = [];
  for (const key of REQUIRED) if (hsValue(f, key) === undefined) problems.push(`missing key ${key}`);
  if (hsValue(f, 'server_name') !== f.d.deployment.settings.MX_SERVER_NAME)
    problems.push(
      `server_name is ${String(hsValue(f, 'server_name'))}, .env says ${f.d.deployment.settings.MX_SERVER_NAME}`,
    );
  for (const key of ['signing_key_path', 'log_config']) {
    const p = onHost(f, hsValue(f, key));
    if (p !== undefined && !(await pathExists(p)))
      problems.push(`${key} names ${String(hsValue(f, key))}, which does not exist`);
  }
  const out: Finding[] = [];
  out.push(
    problems.length === 0
      ? ok('synapse.config', 'homeserver.yaml parses and has the keys Synapse needs')
      : fail(
          'synapse.config',
          `homeserver.yaml: ${problems.join('; ')}`,
          'Restore the named keys/files (a missing signing key must come from a backup: Synapse would silently make a new one).',
          problems,
        ),
  );
  const synapse = f.services.find((s) => s.service === 'synapse');
  const started = f.containers.get('synapse')?.startedAt;
  const unhappy =
    synapse === undefined ||
    synapse.state !== 'running' ||
    synapse.health === 'unhealthy' ||
    (started !== undefined && hs.modified > started);
  if (unhappy && problems.length === 0) out.push(await synapseVerdict(f));
  return out;
}

/** Asks Synapse itself to load the config, in a one-off container (works while synapse is down). */
async function synapseVerdict(f: DoctorFacts): Promise<Finding> {
  try {
    await f.d.compose.runOnce(
      'synapse',
      ['-m', 'synapse.config', 'read', 'server_name', '-c', '/data/homeserver.yaml'],
      { entrypoint: 'python3', timeoutMs: 60_000, noDeps: true },
    );
    return ok('synapse.config-check', 'Synapse accepts homeserver.yaml (checked by Synapse itself)');
  } catch (error) {
    const detail = (error as { detail?: string }).detail ?? (error as Error).message;
    const last = detail
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-3);
    return fail(
      'synapse.config-check',
      `Synapse rejects homeserver.yaml: ${last.at(-1) ?? 'unknown error'}`,
      'Fix the setting Synapse names, then `mxctl restart synapse`.',
      last,
    );
  }
}

export async function registrationChecks(f: DoctorFacts): Promise<Finding[]> {
  if (f.homeserver.config === undefined) return [];
  const out: Finding[] = [];
  const secret = hsValue(f, 'registration_shared_secret');
  const secretPath = onHost(f, hsValue(f, 'registration_shared_secret_path'));
  const hasSecret =
    (typeof secret === 'string' && secret.length > 0) ||
    (secretPath !== undefined && (await pathExists(secretPath)) && (await readText(secretPath)).trim() !== '');
  out.push(
    hasSecret
      ? ok('registration.shared-secret', 'the registration shared secret is set')
      : warn(
          'registration.shared-secret',
          'no registration shared secret',
          'Set registration_shared_secret (mxctl init writes one) so `mxctl admin init` can create admins.',
        ),
  );
  const open = hsValue(f, 'enable_registration') === true;
  const gated = hsValue(f, 'registration_requires_token') === true;
  if (open && !gated) {
    out.push(
      fail(
        'registration.token',
        'registration is open without a registration token',
        'Set `registration_requires_token: true` in homeserver.yaml and `mxctl restart synapse`.',
      ),
    );
  } else {
    out.push(ok('registration.token', open ? 'registration requires a token' : 'registration is closed'));
  }
  return out;
}

export async function memoryCheck(f: DoctorFacts): Promise<Finding[]> {
  const pid = f.containers.get('synapse')?.pid ?? 0;
  if (pid === 0) return [];
  const status = await readText(`/proc/${pid}/status`).catch(() => '');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  if (!Number.isFinite(kb))
    return [
      warn(
        'synapse.memory',
        "cannot read Synapse's memory use",
        'Run mxctl as root on the Docker host to read container memory.',
      ),
    ];
  const factor = hsValue(f, 'caches.global_factor');
  return [judgeMemory('synapse.memory', kb * 1024, typeof factor === 'number' ? factor : undefined)];
}

export async function logChecks(f: DoctorFacts): Promise<Finding[]> {
  if (!f.services.some((s) => s.service === 'synapse')) return [];
  const windowMs = f.o.logWindowMs ?? DEFAULT_LOG_WINDOW_MS;
  const readMs = Math.max(windowMs, LOG_HISTORY_MS);
  const text = await f.d.compose.logsText('synapse', 5000, `${Math.ceil(readMs / 1000)}s`, { timestamps: true });
  return [
    judgeLogErrors('synapse.log', parseTimestampedLog(text), {
      now: f.now,
      windowMs,
      synapseStartedAt: isRunning(f, 'synapse') ? f.containers.get('synapse')?.startedAt : undefined,
    }),
  ];
}
