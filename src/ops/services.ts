// The services a deployment's compose project defines, and checking a service name against
// them (so `mxctl restart synapes` names the real ones instead of failing inside docker).
import { parse as parseYaml } from 'yaml';
import type { Compose } from '../adapters/compose.ts';
import { MxError } from '../core/errors.ts';
import { SERVICES } from '../core/templates/compose.ts';

/** The services the compose project defines (including an override file's). */
export async function composeServices(compose: Compose): Promise<string[]> {
  const text = await compose.config();
  const services = parseServiceNames(text);
  if (services.length === 0) throw new MxError('E_CONFIG_INVALID', 'docker compose config lists no services.');
  return services;
}

function parseServiceNames(configYaml: string): string[] {
  const doc = parseYaml(configYaml) as { services?: Record<string, unknown> } | null;
  return Object.keys(doc?.services ?? {});
}

export async function assertKnownService(compose: Compose, service: string | undefined): Promise<void> {
  if (service === undefined) return;
  const known = await composeServices(compose);
  if (!known.includes(service)) {
    const ordered = [
      ...SERVICES.filter((s) => known.includes(s)),
      ...known.filter((k) => !(SERVICES as readonly string[]).includes(k)),
    ];
    throw new MxError('E_UNKNOWN_SERVICE', `Unknown service "${service}".`, {
      hint: `The services are: ${ordered.join(', ')}.`,
    });
  }
}
