// mxctl's entry point: parse argv, dispatch to a lazily imported command module, and map every
// error to an exit code in ONE place. Command modules never call process.exit.
import { Command, CommanderError, InvalidArgumentError } from '@commander-js/extra-typings';
import { MxError, isMxError } from '../core/errors.ts';

const VERSION = '0.1.0';

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}

export function buildProgram(): Command {
  const program = new Command('mxctl')
    .description('Operate an element-matrix deployment (Synapse, Element, PostgreSQL, nginx, certbot on Docker Compose).')
    .version(VERSION)
    .option('--dir <DIR>', 'the deployment directory (default: $MXCTL_DIR, else the current directory)')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();

  const dirOf = (cmd: Command<unknown[], Record<string, unknown>>): string | undefined => {
    const opts = cmd.optsWithGlobals() as { dir?: string };
    return opts.dir;
  };

  program
    .command('init')
    .description('write a new deployment (or show what would change in an existing one)')
    .requiredOption('--domain <DOMAIN>', 'the Matrix server name, e.g. example.org (user ids are @user:DOMAIN)')
    .option('--matrix-host <HOST>', 'where Synapse is served (default: matrix.DOMAIN)')
    .option('--element-host <HOST>', 'where Element is served (default: chat.DOMAIN)')
    .option('--acme-server <URL>', "the ACME directory (default: Let's Encrypt)")
    .option('--acme-email <EMAIL>', 'contact address for the ACME account')
    .option('--resolve <ADDRESS>', 'reach the public names at this address (split DNS)')
    .option('--ca-file <FILE>', 'extra CA certificates to trust for the public names (relative to the deployment)')
    .option('-y, --yes', 'apply changes to an existing deployment without asking')
    .option('--json', 'print the report as JSON')
    .action(async (opts, cmd) => (await import('./commands/init.ts')).runInit(opts, dirOf(cmd)));

  program
    .command('up')
    .description('start the stack, wait until healthy, obtain the TLS certificate on first start')
    .option('--timeout <SECONDS>', 'how long to wait for health', int, 300)
    .option('--json', 'print the report as JSON')
    .action(async (opts, cmd) => (await import('./commands/stack.ts')).runUp(opts, dirOf(cmd)));

  program
    .command('down')
    .description('stop the stack (data is kept)')
    .action(async (_opts, cmd) => (await import('./commands/stack.ts')).runDown(dirOf(cmd)));

  program
    .command('restart')
    .description('restart one service, or all of them, and wait until healthy')
    .argument('[SERVICE]', 'postgres, synapse, element, nginx or certbot')
    .action(async (service, _opts, cmd) => (await import('./commands/stack.ts')).runRestart(service, dirOf(cmd)));

  program
    .command('logs')
    .description("show services' logs")
    .argument('[SERVICE]', 'one service (default: all)')
    .option('-f, --follow', 'keep following')
    .option('--tail <N>', 'only the last N lines of each', int)
    .action(async (service, opts, cmd) => (await import('./commands/stack.ts')).runLogs(service, opts, dirOf(cmd)));

  program
    .command('status')
    .alias('ps')
    .description("each service's state and health, the Synapse version, HTTPS through nginx")
    .option('--json', 'print the report as JSON')
    .action(async (opts, cmd) => (await import('./commands/stack.ts')).runStatus(opts, dirOf(cmd)));

  const admin = program.command('admin').description("mxctl's own admin account");
  admin
    .command('init')
    .description('create the first admin user, log in, and store the token (state/admin.json, 0600)')
    .option('--user <NAME>', 'the admin user name', 'admin')
    .option('--force', 'replace the stored admin credentials')
    .option('--json', 'print the report as JSON')
    .action(async (opts, cmd) => (await import('./commands/admin.ts')).runAdminInit(opts, dirOf(cmd)));

  for (const name of ['backup', 'restore'] as const) {
    program
      .command(name, { hidden: true })
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        throw new MxError('E_USAGE', `\`mxctl ${name}\` is not in this version of mxctl yet.`, {
          hint: 'docs/RUNBOOK.md ("Backup & Restore") gives the manual steps until it lands.',
        });
      });
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version are "errors" to commander; they already printed.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    return 2;
  }
  if (isMxError(error)) {
    process.stderr.write(`mxctl: ${error.message}\n`);
    if (error.detail !== undefined) process.stderr.write(`${error.detail}\n`);
    if (error.hint !== undefined) process.stderr.write(`  fix: ${error.hint}\n`);
    return error.exitCode;
  }
  process.stderr.write(`mxctl: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 70;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
