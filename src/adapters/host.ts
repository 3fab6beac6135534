// The machine mxctl runs on, as tuning sees it (reading it is a side effect, like the clock).
import { availableParallelism, totalmem } from 'node:os';
import type { HostShape } from '../core/scale/tuning.ts';

export function hostShape(): HostShape {
  return { memoryBytes: totalmem(), cores: availableParallelism() };
}
