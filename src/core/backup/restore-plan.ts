// What a restore puts back, and which settings come from the backup. Pure.
import type { Settings } from '../settings.ts';

/** Trees and files a restore puts back. Certificates are re-issued by `mxctl up`; backups/ and
 * lab/override files stay as they are on this machine. */
export const RESTORED_ROOTS = ['synapse', 'nginx', 'element', 'state', 'compose/docker-compose.yml'];
/** Replaced as a whole (files absent from the backup must not survive). */
export const WHOLE_DIRS = ['synapse/media_store/local_content', 'synapse/media_store/local_thumbnails'];

/** Inside a restored root, but this machine's own: the upgrade journal is its history (a rollback
 * restores the pre-upgrade backup and must not erase the record of the upgrade it undoes), and a
 * lock belongs to the process holding it; the restore drills' history is this machine's too. */
export const KEPT_ON_THIS_MACHINE = ['state/upgrades.json', 'state/upgrade.lock', 'state/restore-tests.json'];

/** A staged path the restore puts back (it is, or is inside, a restored root). */
export function isRestored(rel: string): boolean {
  if (KEPT_ON_THIS_MACHINE.includes(rel)) return false;
  return RESTORED_ROOTS.some((r) => rel === r || rel.startsWith(`${r}/`));
}

/** A staged path to walk into: restored, or a folder on the way to a restored root. */
export function leadsToRestored(rel: string): boolean {
  return isRestored(rel) || RESTORED_ROOTS.some((r) => r.startsWith(`${rel}/`));
}

/** Settings that belong to the backed-up server (names, DB identity, secrets its config holds). */
const SETTINGS_FROM_BACKUP = [
  'MX_SERVER_NAME',
  'MX_MATRIX_HOST',
  'MX_ELEMENT_HOST',
  'POSTGRES_PASSWORD',
  'REGISTRATION_SHARED_SECRET',
  'MACAROON_SECRET_KEY',
  'FORM_SECRET',
  'MAX_UPLOAD_SIZE',
] as const satisfies readonly (keyof Settings)[];

/** The .env after a restore: this machine's placement (project name, addresses, image pins,
 * backup passphrase) with the backed-up server's identity and secrets. */
export function mergeSettings(current: Settings, archived: Settings): Settings {
  const next: Settings = { ...current };
  for (const key of SETTINGS_FROM_BACKUP) (next as Record<string, unknown>)[key] = archived[key];
  return next;
}
