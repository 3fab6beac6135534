// Command table: monitoring. Actions import their run module lazily (fast --help).
import { Option } from '@commander-js/extra-typings';
import type { Command } from '@commander-js/extra-typings';
import { CHANNEL_KINDS } from '../../core/alerts/channels.ts';
import { dirOf, int, jsonOf, withJson } from '../command.ts';
import type { Done } from '../command.ts';

const load = () => import('./run.ts');

export function registerMonitor(program: Command, done: Done): void {
  const monitor = program.command('monitor').description('monitoring and alerting: the alert channels of .env');
  withJson(
    monitor
      .command('test-alert')
      .description(
        "send a test alert down every configured channel (webhook, ntfy, email, Matrix room), retried as alerts are, and ping the dead-man's switch; exit 23 when one did not arrive",
      )
      .addOption(new Option('--channel <KIND>', 'only this channel').choices(CHANNEL_KINDS)),
  ).action(async (opts, cmd) => done(await (await load()).runTestAlert(jsonOf(opts, cmd), dirOf(cmd))));
  monitor
    .command('run')
    .description(
      'the monitor, in the foreground (a compose service or a systemd unit runs it): every check each MONITOR_INTERVAL, alerts once a signal held for its window (resolved too), queued until each channel has them; /metrics and the status page on MONITOR_ADDRESS:MONITOR_PORT; the scheduled backup and drill',
    )
    .option('--interval <SECONDS>', 'seconds between passes (default: MONITOR_INTERVAL)', int)
    .option(
      '--window <SECONDS>',
      "every signal's alert window (default: 2 min; disk 10 min; backups, certificates 0)",
      int,
    )
    .action(async (opts, cmd) => done(await (await load()).runMonitorRun(opts, dirOf(cmd))));
}
