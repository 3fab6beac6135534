// Command table: backup and restore. Actions import their runs lazily (fast --help).
import { Option } from '@commander-js/extra-typings';
import type { Command } from '@commander-js/extra-typings';
import { dirOf, int, jsonOf, withDryRun, withJson } from '../command.ts';
import type { Done } from '../command.ts';

const runs = () => import('./run.ts');
const drillRuns = () => import('./restore-test-run.ts');

export function registerBackup(program: Command, done: Done): void {
  const backup = withJson(
    program
      .command('backup')
      .description('write one encrypted backup archive (database, media, signing key, config) and its manifest')
      .option('--local-only', 'keep the backup on this machine only (no offsite copy)'),
  ).action(async (opts, cmd) => done(await (await runs()).runBackup(opts, dirOf(cmd))));

  withJson(
    backup.command('list').description('the backups (newest last): id, age, size, verified state'),
    'the list',
  ).action(async (opts, cmd) => done(await (await runs()).runBackupList(jsonOf(opts, cmd), dirOf(cmd))));

  withJson(
    backup
      .command('verify')
      .description('decrypt a backup to nowhere: every checksum, the dump read fully by pg_restore, media read fully')
      .argument('[ID]', 'a backup id, an archive file, or latest', 'latest')
      .option('--offsite', 'verify the offsite copy (an id or latest): downloaded to a temp folder, verified, removed')
      .option('--read-data', 'repository mode: restic check reads every data pack back')
      .option(
        '--read-data-subset <S>',
        'repository mode: restic check reads a part back (5% or a group n/t, e.g. 1/7)',
      ),
  ).action(async (ref, opts, cmd) => done(await (await runs()).runBackupVerify(ref, jsonOf(opts, cmd), dirOf(cmd))));

  withDryRun(
    backup
      .command('prune')
      .description(
        'delete old backups, here and offsite: keep the newest per day/week/month; never the newest verified one',
      )
      .option('--keep-daily <N>', 'days to keep one backup for', int, 7)
      .option('--keep-weekly <N>', 'weeks to keep one backup for', int, 4)
      .option('--keep-monthly <N>', 'months to keep one backup for', int, 6)
      .option('--local-only', 'prune this machine only, leave the offsite copies alone'),
    'show what would be deleted, delete nothing',
  ).action(async (opts, cmd) => done(await (await runs()).runBackupPrune(jsonOf(opts, cmd), dirOf(cmd))));

  registerRestore(program, done);
  registerRestoreTest(program, done);
}

function registerRestore(program: Command, done: Done): void {
  // NOTE: not withConfirm: a restore has no dry run (`backup verify` is the read-only check).
  withJson(
    program
      .command('restore')
      .description(
        'restore a backup: pre-flight checks, safety backup, database + files, then the post-restore checklist',
      )
      .argument('<BACKUP>', 'an archive file (.tar.gpg), a backup id, or latest')
      .option(
        '--from-offsite',
        'download the backup (an id or latest) from the offsite target (S3 bucket or rclone remote) first',
      )
      .option('--no-safety-backup', 'skip the backup of the current state taken first')
      .option(
        '--passphrase-file <FILE>',
        'into an empty folder (a new machine): the backup passphrase, from a file only you can read (else asked)',
      )
      .option(
        '--offsite-config <FILE>',
        'into an empty folder, with --from-offsite: the S3_*/RCLONE_* settings (env format, mode 0600; else the environment)',
      )
      .option(
        '--set <KEY=VALUE>',
        "into an empty folder: change a setting of the new machine (address, ACME, backup folder, offsite); the server's identity stays; repeatable",
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      )
      .addOption(
        new Option('--checks <MODE>', 'post-restore checklist: full, or read-only (no login device, no scratch room)')
          .choices(['full', 'read-only'] as const)
          .default('full' as const),
      )
      .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)'),
  ).action(async (ref, opts, cmd) => done(await (await runs()).runRestore(ref, opts, dirOf(cmd))));
}

function registerRestoreTest(program: Command, done: Done): void {
  withJson(
    program
      .command('restore-test')
      .description(
        'the monthly restore drill: the backup restored into a throwaway stack beside production, checked, timed (RTO, RPO), removed, recorded',
      )
      .argument('[BACKUP]', 'a backup id, an archive file, or latest', 'latest')
      .option('--address <IP>', "the drill's loopback address (not production's; default 127.0.0.254)")
      .option(
        '--from-offsite',
        'drill the offsite copy (an id or latest): downloaded to a scratch folder, removed after',
      )
      .option('--port <N>', "the drill's Synapse port on that address (default 8008)", int)
      .addOption(
        new Option('--network <SHAPE>', "the drill's network: auto (as production's Synapse), bridge, or host")
          .choices(['auto', 'bridge', 'host'] as const)
          .default('auto' as const),
      ),
  ).action(async (ref, opts, cmd) =>
    done(await (await drillRuns()).runRestoreTest(ref, jsonOf(opts, cmd), dirOf(cmd))),
  );
}
