// `mxctl --version`: mxctl's own version and, when a deployment is found (--dir, $MXCTL_DIR, the
// current directory: as every command finds it), the image each service is pinned to in its .env.
// No deployment is no error: the version alone is the answer. The .env is read leniently (not
// validated), so the pins are shown even when another setting is broken.
import { join } from 'node:path';
import { parseEnvFile } from '../core/env-file.ts';
import { SERVICES } from '../core/templates/compose.ts';
import type { ServiceName } from '../core/templates/compose.ts';
import { MXCTL_VERSION } from '../core/version.ts';
import { readText } from '../adapters/fs.ts';
import { deploymentRoot, isDeployment } from './deployment.ts';
import type { LocateOptions } from './deployment.ts';
import { imageSetting } from './upgrade/check.ts';

export interface VersionReport {
  mxctl: string;
  /** The Node.js running mxctl. */
  node: string;
  deployment: {
    root: string;
    /** How it was chosen: --dir, $MXCTL_DIR or the current directory. */
    from: string;
    /** Each service's pin as written in .env; null when .env has no such line. */
    images: Record<ServiceName, string | null>;
  } | null;
}

export async function describeVersion(o: LocateOptions): Promise<VersionReport> {
  const mine = { mxctl: MXCTL_VERSION, node: process.version };
  const { root, from } = deploymentRoot(o);
  if (!(await isDeployment(root))) return { ...mine, deployment: null };
  const env = parseEnvFile(await readText(join(root, '.env'))).values;
  const images = Object.fromEntries(SERVICES.map((s) => [s, env.get(imageSetting(s)) ?? null])) as Record<
    ServiceName,
    string | null
  >;
  return { ...mine, deployment: { root, from, images } };
}
