// The runs of `mxctl monitor …`: build the deps, call the operation, render its report.
import { MxError } from '../../core/errors.ts';
import type { ChannelKind } from '../../core/alerts/channels.ts';
import { testAlert } from '../../ops/monitor/test-alert.ts';
import { runMonitor } from '../../ops/monitor/monitor.ts';
import { renderStatusPage } from '../../core/monitor/status-page.ts';
import { DEFAULT_POLICY } from '../../core/alerts/alert-state.ts';
import type { AlertPolicy } from '../../core/alerts/alert-state.ts';
import type { TestAlertReport } from '../../ops/monitor/test-alert.ts';
import type { ExitStatus } from '../command.ts';
import { buildDeps } from '../deps.ts';
import { printJson, say } from '../output.ts';

export async function runTestAlert(
  f: { channel?: ChannelKind; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await buildDeps(['deployment', 'alerts', 'clock'], { dir, json: f.json });
  const r = await testAlert({ only: f.channel }, d).finally(d.end);
  if (f.json === true) printJson(r);
  else renderTestAlert(r);
  const failed: string[] = r.channels.filter((c) => !c.ok).map((c) => c.kind);
  if (r.ping?.ok === false) failed.push('ping');
  if (failed.length > 0)
    throw new MxError('E_ALERT_FAILED', `The test alert did not arrive on: ${failed.join(', ')}.`, {
      hint: 'Each failure above says why; fix the setting in .env (or the receiver) and run it again.',
    });
}

function renderTestAlert(r: TestAlertReport): void {
  for (const c of r.channels)
    say(
      `  [${c.ok ? 'sent' : 'FAIL'}] ${c.channel}${c.ok ? '' : `: ${c.error ?? ''}`}${c.attempts > 1 ? ` (${c.attempts} tries)` : ''}`,
    );
  if (r.ping !== undefined)
    say(`  [${r.ping.ok ? 'sent' : 'FAIL'}] dead-man's switch ping${r.ping.ok ? '' : `: ${r.ping.error ?? ''}`}`);
  if (r.inBandOnly)
    say(
      'Only the Matrix room is configured: it cannot report this server down. Add an out-of-band channel (ntfy, email, webhook).',
    );
}

export async function runMonitorRun(
  f: { interval?: number; window?: number },
  dir: string | undefined,
): Promise<ExitStatus> {
  if (f.interval !== undefined && f.interval < 1)
    throw new MxError('E_USAGE', '--interval must be at least 1 second.', {
      hint: 'MONITOR_INTERVAL in .env is the usual place.',
    });
  const d = await buildDeps(['deployment', 'compose', 'synapse', 'publicHttp', 'clock', 'alerts', 'lock'], {
    dir,
    json: true,
  });
  const w = f.window;
  const policy: AlertPolicy =
    w === undefined
      ? DEFAULT_POLICY
      : {
          ...DEFAULT_POLICY,
          windowsMs: Object.fromEntries(Object.keys(DEFAULT_POLICY.windowsMs).map((k) => [k, w * 1000])),
        };
  // NOTE: a stop signal is how a monitor ends: main exits 0 after it (a failure to start throws).
  await runMonitor(
    {
      intervalMs: (f.interval ?? d.deployment.settings.MONITOR_INTERVAL) * 1000,
      policy,
      renderStatusPage,
      log: (line) => say(`${new Date().toISOString()} ${line}`),
    },
    d,
  );
  return 0;
}
