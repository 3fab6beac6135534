// Writing one image pin into .env: atomically (a temp file renamed over it, 0600), the rest of
// the file byte for byte as it was. compose reads .env at every `up`, so the pin is the switch.
import { parseEnvFile, setEnvValue } from '../../core/env-file.ts';
import type { ServiceName } from '../../core/templates/compose.ts';
import { readText, writeFileAtomic } from '../../adapters/fs.ts';
import type { Deps } from '../deps.ts';
import { imageSetting } from './check.ts';

export async function writePin(service: ServiceName, pin: string, d: Pick<Deps, 'deployment'>): Promise<void> {
  const text = await readText(d.deployment.envFile);
  const next = setEnvValue(text, imageSetting(service), pin);
  if (next !== text) await writeFileAtomic(d.deployment.envFile, next, 0o600);
  // NOTE: the bag's settings follow the file, so later steps of this run see the pin they wrote.
  (d.deployment.settings as Record<string, unknown>)[imageSetting(service)] = pin;
}

/**
 * Several settings in one atomic write (a PostgreSQL major upgrade moves the pin, the volume and
 * its mount point together: compose must never see the new image on the old volume).
 */
export async function writeSettings(values: Record<string, string>, d: Pick<Deps, 'deployment'>): Promise<void> {
  const text = await readText(d.deployment.envFile);
  let next = text;
  // NOTE: a setting an older .env lacks goes beside the image pins, not at the end of the file.
  for (const [key, value] of Object.entries(values))
    next = setEnvValue(next, key, value, { insertBefore: /^SYNAPSE_IMAGE=/ });
  if (next !== text) await writeFileAtomic(d.deployment.envFile, next, 0o600);
  Object.assign(d.deployment.settings as Record<string, unknown>, values);
}

/** The pin .env holds now (read from the file: a killed run may have written it). */
export async function currentPin(service: ServiceName, d: Pick<Deps, 'deployment'>): Promise<string | undefined> {
  return parseEnvFile(await readText(d.deployment.envFile)).values.get(imageSetting(service));
}
