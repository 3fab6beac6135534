// The run of `mxctl restore` into an absent or empty folder (disaster recovery): the passphrase
// (a 0600 file, or asked on the terminal; never argv), the offsite target (a 0600 file, or the
// environment), the deployment recreated from the backup, then the ordinary restore into it.
import { MxError } from '../../core/errors.ts';
import { parseEnvFile } from '../../core/env-file.ts';
import { OFFSITE_KEYS, offsiteSettingsFrom, parseOverride } from '../../core/backup/recreate-settings.ts';
import type { Override } from '../../core/backup/recreate-settings.ts';
import { fileMode, readText } from '../../adapters/fs.ts';
import { fileLocker } from '../../adapters/lock.ts';
import { systemClock } from '../../adapters/clock.ts';
import type { ObjectStore } from '../../adapters/object-store.ts';
import { abandonRecreated, recreateDeployment } from '../../ops/backup/recreate.ts';
import type { RecreateReport } from '../../ops/backup/recreate.ts';
import { restoreBackup } from '../../ops/backup/restore.ts';
import type { RestoreReport } from '../../ops/backup/restore.ts';
import { offsiteStoreOf } from '../../ops/backup/offsite.ts';
import type { ChecksMode } from '../../ops/backup/post-restore-checks.ts';
import { assertPortsFree } from '../../ops/stack.ts';
import type { ExitStatus } from '../command.ts';
import { buildDeps } from '../deps.ts';
import { printJson, progressDisplay, say } from '../output.ts';
import { terminalSecret } from '../prompt.ts';
import { renderRestore } from './render.ts';

export interface RecoverFlags {
  checks: ChecksMode;
  fromOffsite?: true;
  passphraseFile?: string;
  offsiteConfig?: string;
  set?: string[];
  json?: true;
}

export type RecoverReport = RestoreReport & { recreated: RecreateReport };

export async function runRecover(
  ref: string,
  f: RecoverFlags,
  target: { root: string; created: boolean },
): Promise<ExitStatus> {
  const overrides = overridesOf(f.set ?? []);
  const offsite = f.fromOffsite === true ? await offsiteTarget(f.offsiteConfig) : undefined;
  const { gpgCipher } = await import('../../adapters/gpg.ts');
  const cipher = gpgCipher(await passphrase(f.passphraseFile));
  const display = progressDisplay(f.json !== true);
  const progress = { step: display.step, meter: display.meter };
  const recreated = await recreateDeployment(
    { root: target.root, ref, fromOffsite: f.fromOffsite === true, overrides },
    { cipher, lock: fileLocker, clock: systemClock, progress, offsite },
  ).finally(display.end);
  // From here on it is a deployment: the ordinary restore, with the passphrase given.
  const d = await buildDeps(['deployment', 'compose', 'postgres', 'synapse', 'lock', 'clock', 'progress'], {
    dir: target.root,
    json: f.json,
  });
  try {
    await assertPortsFree(d, new Set());
  } catch (error) {
    await abandonRecreated(target.root, target.created);
    throw error;
  }
  const r = await restoreBackup(
    { ref: recreated.archive, safetyBackup: true, checks: f.checks, newDeployment: true },
    { ...d, cipher },
  ).finally(d.end);
  const report: RecoverReport = { ...r, recreated };
  if (f.json === true) printJson(report);
  else {
    const changed = recreated.changed.length === 0 ? 'as backed up' : `changed: ${recreated.changed.join(', ')}`;
    say(
      `Recreated the deployment in ${recreated.root} from ${recreated.id} (${recreated.files} files; settings ${changed}).`,
    );
    renderRestore(r);
  }
  if (!r.ok)
    throw new MxError('E_CHECKS_FAILED', `The post-restore checklist failed for ${r.id}.`, {
      hint: `See the items above; the deployment is in ${recreated.root}.`,
    });
}

function overridesOf(texts: readonly string[]): Override[] {
  return texts.map((t) => {
    const o = parseOverride(t);
    if (o === undefined) throw new MxError('E_USAGE', `--set ${t}: expected KEY=VALUE.`);
    return o;
  });
}

/** A file that holds a secret: readable by its owner only, like .env. */
async function privateFile(flag: string, file: string): Promise<string> {
  let mode: number;
  try {
    mode = (await fileMode(file)) & 0o777;
  } catch (error) {
    throw new MxError('E_INVALID_INPUT', `${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  if ((mode & 0o077) !== 0)
    throw new MxError(
      'E_INVALID_INPUT',
      `${flag} ${file} is readable by others (mode ${mode.toString(8).padStart(4, '0')}); it holds a secret.`,
      { hint: `chmod 600 ${file}` },
    );
  return readText(file);
}

async function passphrase(file: string | undefined): Promise<string> {
  if (file !== undefined) {
    const text = (await privateFile('--passphrase-file', file)).replace(/\r?\n$/, '');
    if (text === '') throw new MxError('E_INVALID_INPUT', `--passphrase-file ${file} is empty.`);
    return text;
  }
  const typed = await terminalSecret("The backup's passphrase (BACKUP_PASSPHRASE of the old .env): ");
  if (typed === undefined)
    throw new MxError('E_USAGE', 'The backup passphrase is needed and there is no terminal to ask on.', {
      hint: 'Give it in a file readable only by you: --passphrase-file FILE.',
    });
  if (typed === '') throw new MxError('E_INVALID_INPUT', 'No passphrase was typed.');
  return typed;
}

/** The offsite target: --offsite-config FILE (env format, 0600), else the same names in the environment. */
async function offsiteTarget(file: string | undefined): Promise<ObjectStore> {
  const values =
    file === undefined
      ? new Map(OFFSITE_KEYS.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k] ?? '']])))
      : envValues('--offsite-config', file, await privateFile('--offsite-config', file));
  const parsed = offsiteSettingsFrom(values);
  if (!parsed.ok)
    throw new MxError(
      'E_USAGE',
      `The offsite target${file === undefined ? ' (environment)' : ` (${file})`}: ${parsed.errors.join('; ')}.`,
    );
  // NOTE: a relative RCLONE_CONFIG is taken from the current folder here (there is no deployment yet).
  const store = await offsiteStoreOf(parsed.settings, process.cwd());
  if (store === undefined) throw new MxError('E_USAGE', 'No offsite target was given.');
  return store;
}

function envValues(flag: string, file: string, text: string): ReadonlyMap<string, string> {
  const parsed = parseEnvFile(text);
  if (parsed.errors.length > 0) throw new MxError('E_USAGE', `${flag} ${file}: ${parsed.errors.join('; ')}.`);
  return parsed.values;
}
