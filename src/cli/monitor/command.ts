// Command table: monitoring. Actions import their run module lazily (fast --help).
import { Option } from '@commander-js/extra-typings';
import type { Command } from '@commander-js/extra-typings';
import { CHANNEL_KINDS } from '../../core/alerts/channels.ts';
import { dirOf, jsonOf, withJson } from '../command.ts';
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
}
