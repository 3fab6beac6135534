// `mxctl federation allowlist`: which servers Synapse federates with (federation_domain_whitelist).
// The list lives in .env (so `mxctl init` re-renders it) and in homeserver.yaml (what Synapse
// reads at start). A change shows its diff, asks, writes both files and offers to restart Synapse.
import { join } from 'node:path';
import { parse } from 'yaml';
import { MxError } from '../../core/errors.ts';
import {
  ALLOWLIST_COMMENT,
  ALLOWLIST_KEY,
  ALLOWLIST_SETTING,
  ALLOWLIST_SETTING_COMMENT,
  addToAllowlist,
  effectiveWhitelist,
  formatAllowlistSetting,
  parseAllowlistSetting,
  removeFromAllowlist,
  renderAllowlistBlock,
} from '../../core/admin/federation-allowlist.ts';
import type { AllowlistChange } from '../../core/admin/federation-allowlist.ts';
import { setEnvValue } from '../../core/env-file.ts';
import { setTopLevelBlock } from '../../core/yaml-edit.ts';
import { redact, unifiedDiff } from '../../core/diff.ts';
import { secretValues } from '../../core/deployment-files.ts';
import { readText, replaceFileAtomic } from '../../adapters/fs.ts';
import type { Deps } from '../deps.ts';

const HOMESERVER = 'synapse/homeserver.yaml';

export interface AllowlistView {
  serverName: string;
  /** "open": federates with every server; "allowlist": only with ours and those listed. */
  federation: 'open' | 'allowlist';
  /** The servers in .env's MX_FEDERATION_ALLOWLIST (our own name is implied). */
  allowlist: string[];
  /** federation_domain_whitelist in homeserver.yaml; null when absent. */
  homeserver: string[] | null;
  /** false when homeserver.yaml was edited by hand (or a change was interrupted) and disagrees with .env. */
  inSync: boolean;
}

export async function showAllowlist(_o: Record<string, never>, deps: Pick<Deps, 'deployment'>): Promise<AllowlistView> {
  const d = deps.deployment;
  const list = parseAllowlistSetting(d.settings.MX_FEDERATION_ALLOWLIST);
  const homeserver = whitelistIn(await readText(join(d.root, HOMESERVER)));
  const wanted = effectiveWhitelist(d.settings.MX_SERVER_NAME, list) ?? null;
  return {
    serverName: d.settings.MX_SERVER_NAME,
    federation: list.length === 0 ? 'open' : 'allowlist',
    allowlist: list,
    homeserver,
    inSync: JSON.stringify(homeserver) === JSON.stringify(wanted),
  };
}

function whitelistIn(text: string): string[] | null {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (cause) {
    throw new MxError('E_CONFIG_INVALID', `${HOMESERVER} does not parse as YAML: ${(cause as Error).message}`, {
      cause,
    });
  }
  const value = (doc as Record<string, unknown> | null)?.[ALLOWLIST_KEY];
  return Array.isArray(value) ? value.map(String) : null;
}

export type AllowlistAction =
  { kind: 'add'; names: readonly string[] } | { kind: 'remove'; names: readonly string[] } | { kind: 'clear' };

/** Where the new files go: the disk, or (dry run) a record of what would have been written. */
export interface ConfigWrites {
  replace(path: string, content: string): Promise<void>;
}

export const diskWrites: ConfigWrites = { replace: replaceFileAtomic };

export class RecordedWrites implements ConfigWrites {
  readonly planned: string[] = [];
  replace(path: string): Promise<void> {
    this.planned.push(path);
    return Promise.resolve();
  }
}

export interface AllowlistChangeOptions {
  action: AllowlistAction;
  dryRun: boolean;
  /** true/false: --restart/--no-restart; undefined: ask (or, with no one to ask, don't). */
  restart: boolean | undefined;
}

export type AllowlistDeps = Pick<Deps, 'deployment' | 'approve'> & {
  /** The disk, or (dry run) a record of what would have been written. */
  files: ConfigWrites;
  /**
   * Asks an optional question (the restart); undefined when there is no one to ask (not a TTY,
   * --json). Unlike `approve`, --yes does not answer it.
   */
  ask: ((question: string) => Promise<boolean>) | undefined;
  /** Shows the diff to the admin. */
  show: (text: string) => void;
  restartSynapse: () => Promise<void>;
};

export interface AllowlistChangeReport {
  serverName: string;
  action: AllowlistAction['kind'];
  allowlist: string[];
  previous: string[];
  /** Names that changed the list; for add, names already on it are in `unchanged`. */
  changed: string[];
  unchanged: string[];
  /** Files that change (relative to the deployment); empty when there was nothing to do. */
  files: string[];
  /** The change as a unified diff, secrets REDACTED. */
  diff: string;
  dryRun: boolean;
  applied: boolean;
  restarted: boolean;
  /** Synapse still runs with the old list until it restarts. */
  restartNeeded: boolean;
}

function nextList(current: AllowlistChange['list'], action: AllowlistAction, own: string): AllowlistChange {
  if (action.kind === 'add') return addToAllowlist(current, action.names, own);
  if (action.kind === 'remove') return removeFromAllowlist(current, action.names, own);
  return { list: [], changed: [...current], unchanged: [] };
}

interface Edit {
  path: string;
  old: string;
  next: string;
}

/** The two files with the new list written in; only those that change. */
async function editsFor(d: Deps['deployment'], list: readonly string[]): Promise<Edit[]> {
  const own = d.settings.MX_SERVER_NAME;
  const envOld = await readText(d.envFile);
  const envNew = setEnvValue(envOld, ALLOWLIST_SETTING, formatAllowlistSetting(list), {
    comment: ALLOWLIST_SETTING_COMMENT,
    insertBefore: /^COMPOSE_PROJECT_NAME=/,
  });
  const hsOld = await readText(join(d.root, HOMESERVER));
  const hsNew = setTopLevelBlock(hsOld, ALLOWLIST_KEY, renderAllowlistBlock(own, list), {
    path: HOMESERVER,
    ownComment: ALLOWLIST_COMMENT,
  });
  return [
    { path: '.env', old: envOld, next: envNew },
    { path: HOMESERVER, old: hsOld, next: hsNew },
  ].filter((e) => e.old !== e.next);
}

export async function changeAllowlist(o: AllowlistChangeOptions, deps: AllowlistDeps): Promise<AllowlistChangeReport> {
  const d = deps.deployment;
  const own = d.settings.MX_SERVER_NAME;
  const previous = parseAllowlistSetting(d.settings.MX_FEDERATION_ALLOWLIST);
  // Every name is validated here, before any file is read for writing.
  const change = nextList(previous, o.action, own);
  const edits = await editsFor(d, change.list);
  const diff = redact(
    edits.map((e) => unifiedDiff(e.old, e.next, e.path, 3, 'mxctl federation allowlist')).join('\n'),
    secretValues(d.settings),
  );
  const report: AllowlistChangeReport = {
    serverName: own,
    action: o.action.kind,
    allowlist: change.list,
    previous,
    changed: change.changed,
    unchanged: change.unchanged,
    files: edits.map((e) => e.path),
    diff,
    dryRun: o.dryRun,
    applied: false,
    restarted: false,
    restartNeeded: false,
  };
  if (edits.length === 0) return report;
  deps.show(diff);
  await deps.approve(
    change.list.length === 0
      ? 'Federate with every server (remove the allowlist)?'
      : `Federate only with ${[own, ...change.list].join(', ')}?`,
  );
  // NOTE: .env first: it is the source of truth (init renders homeserver.yaml from it). Should the
  // second write fail, `federation allowlist` shows "not in sync" and `mxctl init --yes` repairs it.
  for (const e of edits) await deps.files.replace(join(d.root, e.path), e.next);
  if (o.dryRun) return report;
  report.applied = true;
  const restart =
    o.restart ?? (deps.ask === undefined ? false : await deps.ask('Restart Synapse now so the change takes effect?'));
  if (restart) await deps.restartSynapse();
  return { ...report, restarted: restart, restartNeeded: !restart };
}
