// Stack: every service running and healthy, restart loops, images vs pins, port conflicts.
import { parse as parseYaml } from 'yaml';
import type { Finding } from '../../core/doctor/finding.ts';
import { fail, ok, warn } from '../../core/doctor/finding.ts';
import { SERVICES } from '../../core/templates/compose.ts';
import { portConflicts } from '../stack.ts';
import type { DoctorFacts } from './facts.ts';

const LOOP_WINDOW_MS = 10 * 60_000;

export async function stackChecks(f: DoctorFacts): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const name of SERVICES) {
    const s = f.services.find((x) => x.service === name);
    const c = f.containers.get(name);
    const id = `stack.${name}`;
    const recentStart = c?.startedAt !== undefined && f.now.getTime() - c.startedAt.getTime() < LOOP_WINDOW_MS;
    if (s === undefined) {
      out.push(fail(id, `${name} is not created`, 'Start the stack with `mxctl up`.'));
    } else if (c !== undefined && (c.restarting || s.state === 'restarting' || (c.restartCount >= 3 && recentStart))) {
      out.push(
        fail(
          id,
          `${name} is crash-looping (restarted ${c.restartCount} times)`,
          `Read why it exits: \`mxctl logs --tail 100 ${name}\` (the findings below may name the cause), fix it, then \`mxctl restart ${name}\`.`,
          [`state ${s.state}`, `restart count ${c.restartCount}`],
        ),
      );
    } else if (s.state !== 'running') {
      out.push(
        fail(
          id,
          `${name} is ${s.state} (exit code ${s.exitCode})`,
          `Start it with \`mxctl up\`; if it stops again, read \`mxctl logs ${name}\`.`,
        ),
      );
    } else if (s.health === 'unhealthy') {
      out.push(
        fail(
          id,
          `${name} is running but unhealthy`,
          `Read \`mxctl logs --tail 100 ${name}\`; \`mxctl restart ${name}\` once the cause is fixed.`,
        ),
      );
    } else if (s.health === 'starting') {
      out.push(warn(id, `${name} is still starting`, 'Wait a minute and run doctor again.'));
    } else {
      out.push(ok(id, `${name} is running${s.health === '' ? '' : ` and ${s.health}`}`));
    }
  }
  out.push(await imagePins(f));
  const running = new Set(f.services.filter((s) => s.state === 'running').map((s) => s.service));
  const busy = await portConflicts(f.d, running);
  out.push(
    busy.length === 0
      ? ok('stack.ports', 'no port the stack needs is held by another process')
      : fail(
          'stack.ports',
          `port conflict: ${busy.join('; ')}`,
          'Stop the process holding the port (or move it), then `mxctl up`.',
          busy,
        ),
  );
  return out;
}

async function imagePins(f: DoctorFacts): Promise<Finding> {
  const cfg = parseYaml(await f.d.compose.config()) as { services?: Record<string, { image?: string }> };
  const drift: string[] = [];
  for (const [name, c] of f.containers) {
    const pinned = cfg.services?.[name]?.image;
    if (pinned !== undefined && c.image !== pinned) drift.push(`${name} runs ${c.image}, pinned ${pinned}`);
  }
  return drift.length === 0
    ? ok('stack.images', 'every container runs its pinned image')
    : warn(
        'stack.images',
        `${drift.length} container(s) do not run their pinned image`,
        'Apply the pins with `mxctl up` (it recreates what changed).',
        drift,
      );
}
