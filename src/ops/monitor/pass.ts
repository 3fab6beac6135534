// One pass of the monitor: every check (`mxctl check`'s runCheck), the alert state advanced by
// what it saw, and the pass, the state and the alerts it decided written in one transaction.
// A pass whose checks could not run at all (Docker down, the deployment unreadable) is itself a
// signal, `monitor.pass`, so it alerts like any other; the signals it could not read keep their state.
import { advance } from '../../core/alerts/alert-state.ts';
import type { AlertPolicy, Observation } from '../../core/alerts/alert-state.ts';
import type { Alert } from '../../core/alerts/alert.ts';
import type { ChannelKind } from '../../core/alerts/channels.ts';
import { signal, worstOf } from '../../core/check/signal.ts';
import type { Signal } from '../../core/check/signal.ts';
import type { MonitorStore } from '../../adapters/monitor-store.ts';
import { throwIfStopped } from '../../adapters/interrupt.ts';
import { runCheck } from '../check/check.ts';
import type { CheckDeps } from '../check/check.ts';

export interface PassOutcome {
  at: Date;
  /** The checks ran (whatever they found). */
  ok: boolean;
  signals: Signal[];
  alerts: Alert[];
  durationMs: number;
}

export interface PassContext {
  store: MonitorStore;
  policy: AlertPolicy;
  channels: readonly ChannelKind[];
}

export async function monitorPass(c: PassContext, d: CheckDeps): Promise<PassOutcome> {
  const started = d.clock.now();
  let signals: Signal[];
  let ok = true;
  try {
    const r = await runCheck({}, d);
    signals = [...r.signals, signal('monitor.pass', 'ok', `every check ran (${r.signals.length} signals)`)];
  } catch (error) {
    ok = false;
    signals = [
      signal('monitor.pass', 'critical', `the checks could not run: ${(error as Error).message}`, {
        evidence: (error as { hint?: string }).hint ?? '',
      }),
    ];
  }
  // NOTE: a stop signal cut the checks short: what they saw then is the signal, not the stack. The
  // pass is abandoned (nothing written) rather than judged on it.
  throwIfStopped();
  const at = d.clock.now();
  const observed: Observation[] = signals.map((s) => ({
    id: s.id,
    level: s.level,
    summary: s.summary,
    evidence: s.evidence,
  }));
  const next = advance(c.store.alertState(), observed, {
    now: at,
    server: d.deployment.settings.MX_SERVER_NAME,
    policy: c.policy,
  });
  const durationMs = at.getTime() - started.getTime();
  c.store.recordPass(
    { at, level: worstOf(signals.map((s) => s.level)), durationMs, signals },
    next.state,
    next.alerts,
    c.channels,
  );
  return { at, ok, signals, alerts: next.alerts, durationMs };
}
