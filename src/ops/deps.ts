// Everything an operation may touch outside its own arguments, in one bag. Every operation is
// `(options, deps) → report`, and names what it needs with `Pick<Deps, ...>`; the CLI builds the
// bag once per command (src/cli/deps.ts), tests build it from real adapters, or from wrappers
// that make one of them misbehave. Nothing here does I/O.
import type { Clock } from '../core/clock.ts';
import type { Meter } from '../core/progress.ts';
import type { UserId } from '../core/admin/ids.ts';
import type { Compose } from '../adapters/compose.ts';
import type { Postgres } from '../adapters/postgres.ts';
import type { Cipher } from '../adapters/gpg.ts';
import type { Locker } from '../adapters/lock.ts';
import type { ObjectStore } from '../adapters/object-store.ts';
import type { HttpOptions } from '../adapters/http.ts';
import type { SynapseClient } from '../adapters/synapse.ts';
import type { RegistryClient } from '../adapters/registry.ts';
import type { LocalImages } from '../adapters/docker-images.ts';
import type { ImageTools } from '../adapters/image-tools.ts';
import type { PgUpgradeTools } from '../adapters/scratch-postgres.ts';
import type { AdminReads, AdminWrites } from '../adapters/synapse-admin.ts';
import type { AlertSenders } from '../adapters/alert-senders.ts';
import type { Restic } from '../adapters/restic.ts';
import type { PlannedAction } from '../adapters/synapse-admin-simulated.ts';
import type { Deployment } from './deployment.ts';

/** Long work reports its steps (a line each) and its bytes; the CLI decides how to show them. */
export interface Progress {
  step: (line: string) => void;
  meter: Meter;
}

/**
 * Asks before a destructive change. Resolves when the change may go ahead (--yes, a dry run, or
 * the admin said yes); throws E_USAGE when there is nobody to ask and E_ABORTED on a no.
 */
export type Approve = (question: string) => Promise<void>;

/** Synapse's admin API as mxctl's admin: reads always real, writes real or simulated (dry run). */
export interface AdminAccess {
  reads: AdminReads;
  writes: AdminWrites;
  /** Filled by a dry run: what would have been changed. */
  planned: readonly PlannedAction[] | undefined;
  dryRun: boolean;
  adminUserId: UserId;
}

export interface Deps {
  deployment: Deployment;
  compose: Compose;
  postgres: Postgres;
  cipher: Cipher;
  /** Synapse on its loopback port, without a token. */
  synapse: SynapseClient;
  /** How to reach the public names: extra CA and fixed address from the settings. */
  publicHttp: HttpOptions;
  admin: AdminAccess;
  /** The offsite target configured in .env, or undefined when there is none. */
  offsite: ObjectStore | undefined;
  /** restic for the deployment's repository (BACKUP_MODE=repository; adapters/restic.ts). */
  restic: Restic;
  /** Image registries (Docker Hub, the lab's): tags and digests, read without pulling. */
  registry: RegistryClient;
  /** What the local Docker daemon holds for an image reference. */
  images: LocalImages;
  /** Pull, tag, and read a Synapse image's schema constants. */
  imageTools: ImageTools;
  /** A PostgreSQL major upgrade's volumes and scratch server (adapters/scratch-postgres.ts). */
  pgUpgradeTools: PgUpgradeTools;
  lock: Locker;
  clock: Clock;
  progress: Progress;
  approve: Approve;
  /** The alert channels' senders (webhook, ntfy, SMTP, the Matrix room, the dead-man's ping). */
  alerts: AlertSenders;
}

export const quietProgress: Progress = { step: () => undefined, meter: () => undefined };
