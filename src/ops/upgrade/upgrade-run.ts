// What one `mxctl upgrade` run takes and what it says of each service, shared by the run
// (apply.ts) and the PostgreSQL major path (postgres-major.ts), which it dispatches to.
import type { PostgresMove } from '../../core/upgrade/journal.ts';
import type { Deps } from '../deps.ts';
import type { GateResult } from './gate.ts';
import type { PlanOptions } from './plan.ts';
import type { LoadReport } from './postgres-load.ts';
import type { RollbackDeps, RollbackOutcome } from './rollback.ts';

export type UpgradeDeps = RollbackDeps & Pick<Deps, 'registry' | 'approve'>;

export type UpgradeOptions = PlanOptions & {
  /** Seconds Synapse may take to answer after it is recreated (the gate's first check). */
  gateTimeoutS?: number;
};

export type ServiceResult = 'healthy' | 'rolled-back' | 'rollback-failed';

export interface ServiceOutcome {
  service: string;
  journalId: string;
  from: string;
  to: string;
  result: ServiceResult;
  gate: GateResult | undefined;
  rollback: RollbackOutcome | undefined;
  /** Seconds the client API did not answer while the service was recreated (Synapse only). */
  clientApiUnavailableSeconds: number | undefined;
  /** A PostgreSQL major upgrade: the volumes, the load's counts, the old volume kept. */
  postgres?: PostgresMajorOutcome;
  phases: { name: string; seconds: number }[];
}

export interface PostgresMajorOutcome {
  move: PostgresMove;
  load: LoadReport | undefined;
  /** The old cluster's volume, kept as it was (removed only by `mxctl upgrade remove-old-volume`). */
  keptVolume: string;
}
