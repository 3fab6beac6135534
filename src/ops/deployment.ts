// Finding and loading a deployment: --dir, else $MXCTL_DIR, else the current directory.
import { join, resolve } from 'node:path';
import { MxError } from '../core/errors.ts';
import { parseEnvFile } from '../core/env-file.ts';
import { parseSettings } from '../core/settings.ts';
import type { Settings } from '../core/settings.ts';
import { pathExists, readText } from '../adapters/fs.ts';

export interface LocateOptions {
  dir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface Deployment {
  root: string;
  settings: Settings;
  composeDir: string;
  envFile: string;
  stateDir: string;
}

export function deploymentRoot(o: LocateOptions): { root: string; from: string } {
  if (o.dir !== undefined && o.dir !== '') return { root: resolve(o.cwd ?? process.cwd(), o.dir), from: '--dir' };
  const fromEnv = (o.env ?? process.env)['MXCTL_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return { root: resolve(fromEnv), from: '$MXCTL_DIR' };
  return { root: resolve(o.cwd ?? process.cwd()), from: 'the current directory' };
}

export async function isDeployment(root: string): Promise<boolean> {
  return (await pathExists(join(root, '.env'))) && (await pathExists(join(root, 'compose', 'docker-compose.yml')));
}

export async function readSettings(root: string): Promise<Settings> {
  const envFile = join(root, '.env');
  let text: string;
  try {
    text = await readText(envFile);
  } catch (cause) {
    throw new MxError('E_CONFIG_INVALID', `Cannot read ${envFile}: ${(cause as Error).message}.`, { cause });
  }
  const parsed = parseEnvFile(text);
  const result = parseSettings(parsed.values);
  const errors = [...parsed.errors, ...(result.ok ? [] : result.errors)];
  if (!result.ok || errors.length > 0) {
    throw new MxError('E_CONFIG_INVALID', `${envFile} has ${errors.length} problem(s).`, {
      detail: errors.map((e) => `  - ${e}`).join('\n'),
      hint: 'Fix the settings named above (docs/RUNBOOK.md explains each), then run the command again.',
    });
  }
  return result.settings;
}

export async function loadDeployment(o: LocateOptions): Promise<Deployment> {
  const { root, from } = deploymentRoot(o);
  if (!(await isDeployment(root))) {
    throw new MxError('E_NO_DEPLOYMENT', `No element-matrix deployment in ${root} (chosen by ${from}).`, {
      hint: 'Point mxctl at one with --dir DIR or MXCTL_DIR=DIR, or create one with `mxctl init --domain example.org --dir DIR`.',
    });
  }
  const settings = await readSettings(root);
  return {
    root,
    settings,
    composeDir: join(root, 'compose'),
    envFile: join(root, '.env'),
    stateDir: join(root, 'state'),
  };
}
