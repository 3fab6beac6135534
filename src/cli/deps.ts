// The one place where the operations' dependencies are built (src/ops/deps.ts says what each
// one is). A command asks for the parts it needs; only those are built, and each adapter's
// module is imported only when asked for, so `mxctl users list` never loads the program runner or the AWS SDK.
import { isAbsolute, join } from 'node:path';
import { MxError } from '../core/errors.ts';
import { readTextIfExists } from '../adapters/fs.ts';
import type { UserId } from '../core/admin/ids.ts';
import { systemClock } from '../adapters/clock.ts';
import { fileLocker } from '../adapters/lock.ts';
import { SynapseClient } from '../adapters/synapse.ts';
import { loadDeployment } from '../ops/deployment.ts';
import type { Deployment } from '../ops/deployment.ts';
import type { AdminAccess, Deps } from '../ops/deps.ts';
import { progressDisplay } from './output.ts';
import type { ProgressDisplay } from './output.ts';
import { approver } from './prompt.ts';

export interface DepsRequest {
  /** The global --dir. */
  dir: string | undefined;
  /** --json: no progress on the terminal, no questions asked. */
  json?: boolean | undefined;
  yes?: boolean | undefined;
  dryRun?: boolean | undefined;
}

/** The parts asked for, plus `end()` to erase a progress bar still drawn before printing a result. */
export type BuiltDeps<K extends keyof Deps> = Pick<Deps, K> & { end: () => void };

export async function buildDeps<K extends keyof Deps>(want: readonly K[], r: DepsRequest): Promise<BuiltDeps<K>> {
  const wanted = new Set<keyof Deps>(want);
  const deployment = await loadDeployment({ dir: r.dir });
  const display: ProgressDisplay = progressDisplay(r.json !== true);
  const parts: Partial<Deps> = {
    deployment,
    clock: systemClock,
    lock: fileLocker,
    progress: { step: display.step, meter: display.meter },
  };
  parts.approve = approver({ yes: r.yes === true, dryRun: r.dryRun === true, interactive: r.json !== true });
  if (wanted.has('compose')) parts.compose = await composeOf(deployment);
  if (wanted.has('postgres')) parts.postgres = await postgresOf(deployment);
  if (wanted.has('cipher'))
    parts.cipher = (await import('../adapters/gpg.ts')).gpgCipher(deployment.settings.BACKUP_PASSPHRASE);
  if (wanted.has('synapse')) parts.synapse = localSynapse(deployment);
  if (wanted.has('publicHttp')) parts.publicHttp = await publicHttpOf(deployment);
  if (wanted.has('admin')) parts.admin = await adminOf(deployment, r.dryRun === true);
  if (wanted.has('registry')) parts.registry = (await import('../adapters/registry.ts')).createRegistryClient();
  if (wanted.has('images')) parts.images = await imagesOf();
  if (wanted.has('imageTools')) parts.imageTools = (await import('../adapters/image-tools.ts')).dockerImageTools;
  if (wanted.has('pgUpgradeTools'))
    parts.pgUpgradeTools = (await import('../adapters/scratch-postgres.ts')).dockerPgUpgradeTools;
  if (wanted.has('alerts')) parts.alerts = await alertsOf(deployment);
  if (wanted.has('restic'))
    parts.restic = (await import('../ops/backup/repository-location.ts')).deploymentRestic(deployment);
  // NOTE: built before any work starts, so a broken offsite setting stops a backup before it writes anything.
  if (wanted.has('offsite')) parts.offsite = await (await import('../ops/backup/offsite.ts')).offsiteStore(deployment);
  return { ...(parts as Pick<Deps, K>), end: display.end };
}

async function alertsOf(d: Deployment): Promise<Deps['alerts']> {
  const [{ alertSenders }, { readAdminState }] = await Promise.all([
    import('../adapters/alert-senders.ts'),
    import('../ops/admin/state.ts'),
  ]);
  // NOTE: no admin token yet is no error here: only the Matrix room needs it, and says so.
  const state = await readAdminState(d.root).catch(() => undefined);
  return alertSenders({
    ca: await extraCa(d),
    synapse: state === undefined ? undefined : localSynapse(d, state.access_token),
  });
}

async function composeOf(d: Deployment): Promise<Deps['compose']> {
  const [{ assertDockerReady }, { createCompose }] = await Promise.all([
    import('../adapters/docker.ts'),
    import('../adapters/compose.ts'),
  ]);
  await assertDockerReady();
  return createCompose(d.composeDir, d.settings.COMPOSE_PROJECT_NAME);
}

async function imagesOf(): Promise<Deps['images']> {
  const [{ assertDockerReady }, { dockerImages }] = await Promise.all([
    import('../adapters/docker.ts'),
    import('../adapters/docker-images.ts'),
  ]);
  await assertDockerReady();
  return dockerImages;
}

async function postgresOf(d: Deployment): Promise<Deps['postgres']> {
  const { createPostgres } = await import('../adapters/postgres.ts');
  return createPostgres({ composeDir: d.composeDir, user: d.settings.POSTGRES_USER, db: d.settings.POSTGRES_DB });
}

export function localSynapse(d: Deployment, accessToken?: string): SynapseClient {
  const { SYNAPSE_LOCAL_ADDRESS: address, SYNAPSE_LOCAL_PORT: port } = d.settings;
  return new SynapseClient({
    baseUrl: `http://${address}:${port}`,
    ...(accessToken === undefined ? {} : { accessToken }),
  });
}

async function publicHttpOf(d: Deployment): Promise<Deps['publicHttp']> {
  const resolve = d.settings.MXCTL_RESOLVE;
  return { ca: await extraCa(d), resolve: resolve === '' ? undefined : resolve };
}

/** MXCTL_CA_FILE (relative to the deployment): extra CAs to trust for the public names. */
async function extraCa(d: Deployment): Promise<string | undefined> {
  const file = d.settings.MXCTL_CA_FILE;
  if (file === '') return undefined;
  // NOTE: a missing or unreadable CA file is not fatal here: TLS checks then fail with "not
  // trusted", which names the real consequence.
  return readTextIfExists(isAbsolute(file) ? file : join(d.root, file)).catch(() => undefined);
}

async function adminOf(d: Deployment, dryRun: boolean): Promise<AdminAccess> {
  const [{ readAdminState }, { SynapseAdminReads }, { SynapseAdminWrites }, { SimulatedAdminWrites }] =
    await Promise.all([
      import('../ops/admin/state.ts'),
      import('../adapters/synapse-admin-reads.ts'),
      import('../adapters/synapse-admin-writes.ts'),
      import('../adapters/synapse-admin-simulated.ts'),
    ]);
  const state = await readAdminState(d.root);
  if (state === undefined) {
    throw new MxError('E_UNAUTHORIZED', 'mxctl has no admin token for this deployment yet.', {
      hint: 'Run `mxctl admin init` to create the first admin and store its token.',
    });
  }
  const client = localSynapse(d, state.access_token);
  const simulated = dryRun ? new SimulatedAdminWrites() : undefined;
  return {
    reads: new SynapseAdminReads(client),
    writes: simulated ?? new SynapseAdminWrites(client),
    planned: simulated?.planned,
    dryRun,
    adminUserId: state.user_id as UserId,
  };
}
