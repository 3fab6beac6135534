// mxctl's entry point: parse argv, dispatch to a lazily imported command module, and map every
// error to an exit code in ONE place. Command modules never call process.exit.
// The command table lives in program/, one file per runbook area.
import { Command, CommanderError } from '@commander-js/extra-typings';
import { isMxError } from '../core/errors.ts';
import { registerStack } from './program/stack.ts';
import { registerBackup } from './program/backup.ts';
import { registerAdministration } from './program/administration.ts';
import { registerDoctor } from './program/doctor.ts';

const VERSION = '0.1.0';

export function buildProgram(): Command {
  const program = new Command('mxctl')
    .description('Operate an element-matrix deployment (Synapse, Element, PostgreSQL, nginx, certbot on Docker Compose).')
    .version(VERSION)
    .option('--dir <DIR>', 'the deployment directory (default: $MXCTL_DIR, else the current directory)')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  registerStack(program);
  registerAdministration(program);
  registerDoctor(program);
  registerBackup(program);
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
