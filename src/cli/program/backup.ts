// Command table: backup and restore. Actions import their module lazily (fast --help).
import { Option } from '@commander-js/extra-typings';
import type { Command } from '@commander-js/extra-typings';
import type { Done } from '../command.ts';
import { dirOf, int } from './shared.ts';

/** `backup list --json`: commander hands --json to `backup` (which has one too); look up the chain. */
function withJson<T extends object>(opts: T, cmd: Command<unknown[], Record<string, unknown>>): T & { json?: true } {
  return (cmd.optsWithGlobals() as { json?: true }).json === true ? { ...opts, json: true } : opts;
}

export function registerBackup(program: Command, _done: Done): void {
  const backup = program
    .command('backup')
    .description('write one encrypted backup archive (database, media, signing key, config) and its manifest')
    .option('--local-only', 'keep the backup on this machine only (no offsite copy)')
    .option('--json', 'print the report as JSON')
    .action(async (opts, cmd) => (await import('../commands/backup.ts')).runBackup(opts, dirOf(cmd)));

  backup
    .command('list')
    .description('the backups (newest last): id, age, size, verified state')
    .option('--json', 'print the list as JSON')
    .action(async (opts, cmd) => (await import('../commands/backup.ts')).runBackupList(withJson(opts, cmd), dirOf(cmd)));

  backup
    .command('verify')
    .description('decrypt a backup to nowhere: every checksum, the dump read fully by pg_restore, media read fully')
    .argument('[ID]', 'a backup id, an archive file, or latest', 'latest')
    .option('--offsite', 'verify the offsite copy (an id or latest): downloaded to a temp folder, verified, removed')
    .option('--json', 'print the report as JSON')
    .action(async (ref, opts, cmd) => (await import('../commands/backup.ts')).runBackupVerify(ref, withJson(opts, cmd), dirOf(cmd)));

  backup
    .command('prune')
    .description('delete old backups, here and offsite: keep the newest per day/week/month; never the newest verified one')
    .option('--keep-daily <N>', 'days to keep one backup for', int, 7)
    .option('--keep-weekly <N>', 'weeks to keep one backup for', int, 4)
    .option('--keep-monthly <N>', 'months to keep one backup for', int, 6)
    .option('--local-only', 'prune this machine only, leave the offsite copies alone')
    .option('--dry-run', 'show what would be deleted, delete nothing')
    .option('--json', 'print the report as JSON')
    .action(async (opts, cmd) => (await import('../commands/backup.ts')).runBackupPrune(withJson(opts, cmd), dirOf(cmd)));

  program
    .command('restore')
    .description('restore a backup: pre-flight checks, safety backup, database + files, then the post-restore checklist')
    .argument('<BACKUP>', 'an archive file (.tar.gpg), a backup id, or latest')
    .option('--from-offsite', 'download the backup (an id or latest) from the offsite target (S3 bucket or rclone remote) first')
    .option('--no-safety-backup', 'skip the backup of the current state taken first')
    .addOption(new Option('--checks <MODE>', 'post-restore checklist: full, or read-only (no login device, no scratch room)').choices(['full', 'read-only'] as const).default('full' as const))
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .option('--json', 'print the report as JSON')
    .action(async (ref, opts, cmd) => (await import('../commands/backup.ts')).runRestore(ref, opts, dirOf(cmd)));
}
