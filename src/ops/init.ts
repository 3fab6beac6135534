// `mxctl init`: write a new deployment, or show what re-rendering an existing one would change
// and apply it only when asked. Secrets and the signing key of an existing deployment are never
// regenerated; a new deployment appears atomically (built beside the target, then renamed).
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { dirname, join } from 'node:path';
import { MxError } from '../core/errors.ts';
import { settingsFromChoices } from '../core/init-options.ts';
import type { InitChoices } from '../core/init-options.ts';
import type { SecretKey, Settings } from '../core/settings.ts';
import { SECRET_KEYS, SUPPLIED_SECRET_KEYS } from '../core/settings.ts';
import { formatSigningKey, renderDeployment, secretValues } from '../core/deployment-files.ts';
import type { DeploymentFile } from '../core/deployment-files.ts';
import { RUNBOOK_LINE_PREFIX, withRunbookLine } from '../core/restore-test/record.ts';
import { unifiedDiff, redact } from '../core/diff.ts';
import { isDirectory, isWritableDir, listDir, pathExists, readText, readTextIfAny } from '../adapters/fs.ts';
import { createTreeAtomically, writeTree } from '../adapters/deployment-tree.ts';
import { isDeployment, readSettings } from './deployment.ts';

export interface InitOptions extends InitChoices {
  root: string;
  yes: boolean;
}

export interface InitDeps {
  /** Asks the admin; undefined when there is no one to ask (not a TTY). */
  confirm?: ((question: string) => Promise<boolean>) | undefined;
  /** Shows text to the admin (the diff). */
  show: (text: string) => void;
}

export interface InitReport {
  root: string;
  created: boolean;
  changed: string[];
  settings: Omit<Settings, SecretKey>;
}

export function generateSecrets(): Record<SecretKey, string> {
  // 32 random bytes = 256 bits, base64url: safe in YAML, .env and URLs without quoting.
  return Object.fromEntries(SECRET_KEYS.map((k) => [k, randomBytes(32).toString('base64url')])) as Record<
    SecretKey,
    string
  >;
}

export function generateSigningKey(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const id = `a_${Array.from(randomBytes(4), (b) => alphabet[b % alphabet.length]).join('')}`;
  return formatSigningKey(id, Buffer.from(jwk.d ?? '', 'base64url'));
}

function publicSettings(s: Settings): Omit<Settings, SecretKey> {
  const copy: Partial<Settings> = { ...s };
  for (const k of [...SECRET_KEYS, ...SUPPLIED_SECRET_KEYS]) delete copy[k];
  return copy as Omit<Settings, SecretKey>;
}

async function assertUsableTarget(root: string): Promise<void> {
  if (await pathExists(root)) {
    if (!(await isDirectory(root))) throw new MxError('E_DIR_NOT_EMPTY', `${root} exists and is not a directory.`);
    if (!(await isWritableDir(root)))
      throw new MxError('E_DIR_UNWRITABLE', `${root} is not writable by this user.`, {
        hint: 'Run as a user who may write there (usually root), or choose another --dir.',
      });
    const entries = await listDir(root);
    if (entries.length > 0) {
      throw new MxError(
        'E_DIR_NOT_EMPTY',
        `${root} is not empty and is not an element-matrix deployment (it holds ${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}).`,
        {
          hint: 'Choose an empty or new directory with --dir.',
        },
      );
    }
    return;
  }
  let parent = dirname(root);
  while (!(await pathExists(parent))) parent = dirname(parent);
  if (!(await isDirectory(parent)) || !(await isWritableDir(parent))) {
    throw new MxError('E_DIR_UNWRITABLE', `Cannot create ${root}: ${parent} is not a writable directory.`, {
      hint: 'Run as a user who may write there, or choose another --dir.',
    });
  }
}

export async function initDeployment(o: InitOptions, deps: InitDeps): Promise<InitReport> {
  if (await isDeployment(o.root)) return reinit(o, deps);
  // Validate every choice before touching the disk.
  const settings = settingsFromChoices(o, generateSecrets());
  await assertUsableTarget(o.root);
  const files = renderDeployment(settings, generateSigningKey());
  await createTreeAtomically(o.root, files);
  return { root: o.root, created: true, changed: files.map((f) => f.path), settings: publicSettings(settings) };
}

async function reinit(o: InitOptions, deps: InitDeps): Promise<InitReport> {
  const current = await readSettings(o.root);
  if (current.MX_SERVER_NAME !== o.domain) {
    throw new MxError(
      'E_DEPLOYMENT_EXISTS',
      `${o.root} already holds the deployment for ${current.MX_SERVER_NAME}; its server name cannot change to ${o.domain}.`,
      {
        hint: 'A Matrix server name is permanent. Use another --dir for a new server.',
      },
    );
  }
  // Keep every secret and every setting the admin did not ask to change.
  // Validates the requested names the same way a new deployment's are (throws before any write).
  settingsFromChoices({ ...o, projectName: current.COMPOSE_PROJECT_NAME }, pickSecrets(current));
  const next: Settings = {
    ...current,
    MX_MATRIX_HOST: o.matrixHost ?? current.MX_MATRIX_HOST,
    MX_ELEMENT_HOST: o.elementHost ?? current.MX_ELEMENT_HOST,
    ACME_SERVER: o.acmeServer ?? current.ACME_SERVER,
    ACME_EMAIL: o.acmeEmail ?? current.ACME_EMAIL,
    MXCTL_RESOLVE: o.resolve ?? current.MXCTL_RESOLVE,
    MXCTL_CA_FILE: o.caFile ?? current.MXCTL_CA_FILE,
  };
  const files = await keepingWhatWasRecorded(o.root, renderDeployment(next, ''));
  const changed: string[] = [];
  const diffs: string[] = [];
  for (const f of files) {
    const p = join(o.root, f.path);
    const exists = await pathExists(p);
    if (f.createOnly === true && exists) continue;
    if (f.createOnly === true) {
      throw new MxError('E_CONFIG_INVALID', `The signing key ${f.path} is missing from ${o.root}.`, {
        hint: 'Restore it from a backup. A new key would break federation with servers that know the old one; mxctl will not make one silently.',
      });
    }
    const old = exists ? await readText(p) : '';
    if (old !== f.content) {
      changed.push(f.path);
      diffs.push(unifiedDiff(old, f.content, f.path));
    }
  }
  const report: InitReport = { root: o.root, created: false, changed, settings: publicSettings(next) };
  if (changed.length === 0) return report;
  deps.show(redact(diffs.join('\n'), secretValues(current)));
  let apply = o.yes;
  if (!apply && deps.confirm !== undefined)
    apply = await deps.confirm(`Apply these changes to ${changed.length} file(s) in ${o.root}?`);
  if (!apply) {
    throw new MxError(
      'E_DEPLOYMENT_EXISTS',
      `${o.root} is an existing deployment; ${changed.length} file(s) would change (diff above). Nothing was written.`,
      {
        hint: 'Re-run with --yes to apply the changes, or leave the deployment as it is.',
      },
    );
  }
  await writeTree(
    o.root,
    files.filter((f) => f.createOnly !== true),
    new Set(changed),
  );
  return report;
}

/**
 * The runbook's "Last restore test" line is a record (written by `mxctl restore-test`), not part
 * of the template: a re-rendered runbook keeps the line the deployment's one has.
 */
async function keepingWhatWasRecorded(root: string, files: DeploymentFile[]): Promise<DeploymentFile[]> {
  const old = await readTextIfAny(join(root, RUNBOOK_PATH));
  const line = old?.split('\n').find((l) => l.startsWith(RUNBOOK_LINE_PREFIX));
  if (line === undefined) return files;
  return files.map((f) => (f.path === RUNBOOK_PATH ? { ...f, content: withRunbookLine(f.content, line) } : f));
}

const RUNBOOK_PATH = 'docs/RUNBOOK.md';

function pickSecrets(s: Settings): Record<SecretKey, string> {
  return Object.fromEntries(SECRET_KEYS.map((k) => [k, s[k]])) as Record<SecretKey, string>;
}
