// `mxctl reports …`: event reports from users.
import type { Command } from '@commander-js/extra-typings';
import { dirOf, int, withConfirm, withJson } from '../command.ts';
import type { Done } from '../command.ts';

const run = () => import('./run.ts');

export function registerReports(program: Command, done: Done): void {
  const reports = program.command('reports').description('event reports from users');
  withJson(
    reports
      .command('list')
      .description('reports, newest first')
      .option('--room <ROOM_ID>', 'only about this room')
      .option('--user <USER_ID>', 'only by this reporter')
      .option('--limit <N>', 'at most N reports', int),
  ).action(async (opts, cmd) => done(await (await run()).runReportsList(opts, dirOf(cmd))));
  withJson(reports.command('show').description('one report, with the reported event').argument('<ID>')).action(
    async (id, opts, cmd) => done(await (await run()).runReportsShow(id, opts, dirOf(cmd))),
  );
  withConfirm(
    reports.command('resolve').description('mark a report handled (Synapse deletes it)').argument('<ID>'),
  ).action(async (id, opts, cmd) => done(await (await run()).runReportsResolve(id, opts, dirOf(cmd))));
}
