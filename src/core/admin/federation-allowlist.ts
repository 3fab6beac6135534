// Synapse's federation_domain_whitelist, kept as MX_FEDERATION_ALLOWLIST in .env so a re-run of
// `mxctl init` (which re-renders homeserver.yaml) keeps it. Pure.
//
// Meaning (synapse/config/federation.py, 1.160): key absent = federate with everyone; a list =
// federate only with those servers, checked before any network request (outbound: "Federation
// denied with X", HTTP 403) and on every inbound request. We never write an empty list: to
// Synapse `[]` means "federate with nobody", which an empty setting must not silently become.
//
// NOTE: our own server name is always on an active list. Synapse compares its own name against
// the list too (its key notary only fetches keys for listed servers, our own included), and
// upstream's private-federation recipe is one shared list that names every member, itself included.
import { MxError } from '../errors.ts';
import { isServerName, parseServerName } from './ids.ts';
import type { ServerName } from './ids.ts';

export const ALLOWLIST_KEY = 'federation_domain_whitelist';
export const ALLOWLIST_SETTING = 'MX_FEDERATION_ALLOWLIST';
/** Its comment in .env (formatSettings writes it; the allowlist command adds it to older files). */
export const ALLOWLIST_SETTING_COMMENT =
  'Federate only with these servers (comma-separated); empty: with every server.\nChange it with `mxctl federation allowlist`, which also updates homeserver.yaml.';

/** Comment lines the template writes above the key; an edit replaces them with the key. */
export const ALLOWLIST_COMMENT = [
  '# Federation allowlist: Synapse federates only with these servers (this one is always listed).',
  '# Managed by `mxctl federation allowlist` from MX_FEDERATION_ALLOWLIST in .env; absent = everyone.',
];

/** Problems with a MX_FEDERATION_ALLOWLIST value, for the settings schema (all at once). */
export function allowlistSettingProblems(value: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const raw of value.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!isServerName(name)) problems.push(`"${name}" is not a server name`);
    else if (seen.has(name.toLowerCase())) problems.push(`"${name}" is listed twice`);
    seen.add(name.toLowerCase());
  }
  return problems;
}

/** The servers in a MX_FEDERATION_ALLOWLIST value (comma-separated; empty = federate openly). */
export function parseAllowlistSetting(value: string): ServerName[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map((v) => parseServerName(v));
}

export function formatAllowlistSetting(list: readonly string[]): string {
  return list.join(',');
}

/** What Synapse gets: undefined (key absent) when the list is empty, else our name first. */
export function effectiveWhitelist(ownServerName: string, list: readonly string[]): string[] | undefined {
  if (list.length === 0) return undefined;
  // NOTE: a hand-edited .env may name us too (alone, it means "federate with nobody else").
  return [ownServerName, ...list.filter((n) => n !== ownServerName)];
}

/** The YAML block for homeserver.yaml: '' when federating openly. Shared by the template and the edit. */
export function renderAllowlistBlock(ownServerName: string, list: readonly string[]): string {
  const names = effectiveWhitelist(ownServerName, list);
  if (names === undefined) return '';
  return [...ALLOWLIST_COMMENT, `${ALLOWLIST_KEY}:`, ...names.map((n) => `  - ${JSON.stringify(n)}`)].join('\n') + '\n';
}

function parseNames(names: readonly string[], ownServerName: string): ServerName[] {
  if (names.length === 0)
    throw new MxError('E_USAGE', 'Name at least one server.', {
      hint: 'e.g. mxctl federation allowlist add friend.example',
    });
  // NOTE: every name is checked before anything is changed, so one typo changes nothing.
  const parsed = names.map((n) => parseServerName(n));
  const own = parsed.find((n) => n === ownServerName.toLowerCase());
  if (own !== undefined) {
    throw new MxError(
      'E_INVALID_INPUT',
      `${own} is this server: it is always on an active allowlist and cannot be added or removed.`,
      {
        hint: 'Name the other servers only.',
      },
    );
  }
  return [...new Set(parsed)];
}

export interface AllowlistChange {
  list: ServerName[];
  /** Names that changed the list (added or removed). */
  changed: ServerName[];
  /** Names that were already in the list (add only). */
  unchanged: ServerName[];
}

export function addToAllowlist(
  current: readonly ServerName[],
  names: readonly string[],
  ownServerName: string,
): AllowlistChange {
  const wanted = parseNames(names, ownServerName);
  const changed = wanted.filter((n) => !current.includes(n));
  return { list: [...current, ...changed], changed, unchanged: wanted.filter((n) => current.includes(n)) };
}

export function removeFromAllowlist(
  current: readonly ServerName[],
  names: readonly string[],
  ownServerName: string,
): AllowlistChange {
  const wanted = parseNames(names, ownServerName);
  const missing = wanted.filter((n) => !current.includes(n));
  if (missing.length > 0) {
    throw new MxError('E_NOT_FOUND', `Not on the federation allowlist: ${missing.join(', ')}. Nothing was changed.`, {
      hint:
        current.length === 0
          ? 'The allowlist is empty: this server federates with everyone.'
          : `The allowlist is: ${current.join(', ')}.`,
    });
  }
  const list = current.filter((n) => !wanted.includes(n));
  if (list.length === 0) {
    // NOTE: removing the last name would silently turn "federate with a few" into "federate with
    // everyone"; that is what `clear` is for, said out loud.
    throw new MxError(
      'E_INVALID_INPUT',
      `Removing ${wanted.join(', ')} would empty the allowlist, which means federating with every server. Nothing was changed.`,
      {
        hint: 'To federate openly, run `mxctl federation allowlist clear`.',
      },
    );
  }
  return { list, changed: wanted, unchanged: [] };
}
