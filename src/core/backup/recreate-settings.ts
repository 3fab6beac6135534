// Disaster recovery recreates a deployment from a backup's own .env. Some settings describe the
// machine (where Synapse listens locally, the ACME account, the backup folder, the offsite target)
// and may change on a new one; the rest is the server's identity and must not: the server name is
// in every user and room id, the secrets are in every password hash (pepper), access token
// (macaroon) and signed form, and the image pins match the database the backup holds. Pure.
import { parseSettings, settingsSchema, SECRET_KEYS } from '../settings.ts';
import type { SecretKey, Settings } from '../settings.ts';
import { settingsFromChoices } from '../init-options.ts';

/** What names the offsite target: on a new machine these come from a file or the environment. */
export const OFFSITE_KEYS = [
  'S3_ENDPOINT',
  'S3_REGION',
  'S3_BUCKET',
  'S3_PREFIX',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'RCLONE_REMOTE',
  'RCLONE_CONFIG',
] as const satisfies readonly (keyof Settings)[];

/** What `mxctl restore --dir NEW --set KEY=VALUE` may change. */
export const NEW_MACHINE_SETTINGS = [
  'SYNAPSE_LOCAL_ADDRESS',
  'SYNAPSE_LOCAL_PORT',
  'COMPOSE_PROJECT_NAME',
  'ACME_SERVER',
  'ACME_EMAIL',
  'MXCTL_RESOLVE',
  'MXCTL_CA_FILE',
  'BACKUP_DIR',
  ...OFFSITE_KEYS,
] as const satisfies readonly (keyof Settings)[];

export type Override = { key: string; value: string };

/** `KEY=VALUE` → an override; undefined when the text has no `=` or no key. */
export function parseOverride(text: string): Override | undefined {
  const at = text.indexOf('=');
  if (at <= 0) return undefined;
  return { key: text.slice(0, at).trim(), value: text.slice(at + 1) };
}

export type Recreated = { ok: true; settings: Settings; changed: string[] } | { ok: false; errors: string[] };

/** What is wrong with the overrides whatever the backup holds (checked before it is read). */
export function overrideProblems(overrides: readonly Override[]): string[] {
  const errors: string[] = [];
  const allowed = new Set<string>(NEW_MACHINE_SETTINGS);
  const known = new Set(Object.keys(settingsSchema.shape));
  const seen = new Set<string>();
  for (const { key } of overrides) {
    if (seen.has(key)) errors.push(`${key} is set twice`);
    seen.add(key);
    if (allowed.has(key)) continue;
    errors.push(
      known.has(key)
        ? `${key} is the backed-up server's own and cannot change on a new machine (it may change: ${NEW_MACHINE_SETTINGS.join(', ')})`
        : `${key} is not a setting`,
    );
  }
  return errors;
}

/**
 * The archived settings with the overrides applied, validated as a whole. Every refusal is
 * collected: a key that is not the machine's, a key given twice, a value the schema rejects.
 */
export function recreateSettings(archived: Settings, overrides: readonly Override[]): Recreated {
  const errors = overrideProblems(overrides);
  if (errors.length > 0) return { ok: false, errors };
  const values = new Map<string, string>(Object.entries(archived).map(([k, v]) => [k, String(v)]));
  for (const { key, value } of overrides) values.set(key, value);
  const parsed = parseSettings(values);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const changed = [...new Set(overrides.map((o) => o.key))]
    .filter((k) => String(archived[k as keyof Settings]) !== values.get(k))
    .sort();
  return { ok: true, settings: parsed.settings, changed };
}

export type OffsiteSettings = Pick<Settings, (typeof OFFSITE_KEYS)[number]>;

export type OffsiteParsed = { ok: true; settings: OffsiteSettings } | { ok: false; errors: string[] };

/**
 * The offsite settings alone, judged by the one settings schema: laid over a complete set of
 * placeholder settings, so only the offsite keys can be wrong. Other keys are refused.
 */
export function offsiteSettingsFrom(values: ReadonlyMap<string, string>): OffsiteParsed {
  const placeholder = 'p'.repeat(43);
  const base = settingsFromChoices(
    { domain: 'recovery.invalid' },
    Object.fromEntries(SECRET_KEYS.map((k) => [k, placeholder])) as Record<SecretKey, string>,
  );
  const offsite = new Set<string>(OFFSITE_KEYS);
  const errors = [...values.keys()]
    .filter((k) => !offsite.has(k))
    .map((k) => `${k} is not an offsite setting (${OFFSITE_KEYS.join(', ')})`);
  const merged = new Map<string, string>(Object.entries(base).map(([k, v]) => [k, String(v)]));
  for (const k of OFFSITE_KEYS) merged.set(k, values.get(k) ?? '');
  const parsed = parseSettings(merged);
  if (!parsed.ok) errors.push(...parsed.errors);
  else if (parsed.settings.S3_BUCKET === '' && parsed.settings.RCLONE_REMOTE === '')
    errors.push('no offsite target: set S3_BUCKET (with the S3_* settings) or RCLONE_REMOTE');
  if (errors.length > 0 || !parsed.ok) return { ok: false, errors };
  const s = parsed.settings;
  return { ok: true, settings: Object.fromEntries(OFFSITE_KEYS.map((k) => [k, s[k]])) as OffsiteSettings };
}
