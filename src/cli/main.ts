// mxctl's entry point: parse argv, dispatch to a lazily imported command module, and map every
// error to an exit code in ONE place. Command modules never call process.exit nor set
// process.exitCode: a run returns its exit status. One folder per top-level noun (cli/backup/, …)
// holds that noun's flag definitions (command.ts) and its runs (run.ts).
import { Command, CommanderError } from '@commander-js/extra-typings';
import { isMxError } from '../core/errors.ts';
import { exitStatusFor, installStopHandlers, stopSignal, wasStopHeld } from '../adapters/interrupt.ts';
import type { Done } from './command.ts';
import { registerInit } from './init/command.ts';
import { registerStack } from './stack/command.ts';
import { registerAdmin } from './admin/command.ts';
import { registerTokens } from './tokens/command.ts';
import { registerUsers } from './users/command.ts';
import { registerRooms } from './rooms/command.ts';
import { registerPurgeHistory } from './purge-history/command.ts';
import { registerMedia } from './media/command.ts';
import { registerReports } from './reports/command.ts';
import { registerNotice } from './notice/command.ts';
import { registerAbuse } from './abuse/command.ts';
import { registerFederation } from './federation/command.ts';
import { registerBackgroundUpdates } from './background-updates/command.ts';
import { registerDoctor } from './doctor/command.ts';
import { registerCheck } from './check/command.ts';
import { registerBackup } from './backup/command.ts';
import { registerUpgrade } from './upgrade/command.ts';
import { registerCerts } from './certs/command.ts';
import { registerMonitor } from './monitor/command.ts';
import { registerTune } from './tune/command.ts';
import { registerScale } from './scale/command.ts';
import { registerCompletion } from './completion/command.ts';
import { registerVersion, versionRequest } from './version/command.ts';

export function buildProgram(done: Done): Command {
  const program = new Command('mxctl')
    .description(
      'Operate an element-matrix deployment (Synapse, Element, PostgreSQL, nginx, certbot on Docker Compose).',
    )
    .option('--dir <DIR>', 'the deployment directory (default: $MXCTL_DIR, else the current directory)')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  registerVersion(program);
  registerInit(program, done);
  registerStack(program, done);
  registerAdmin(program, done);
  for (const register of [
    registerTokens,
    registerUsers,
    registerRooms,
    registerPurgeHistory,
    registerMedia,
    registerReports,
    registerNotice,
    registerAbuse,
    registerFederation,
    registerBackgroundUpdates,
  ]) {
    register(program, done);
  }
  registerDoctor(program, done);
  registerCheck(program, done);
  registerBackup(program, done);
  registerUpgrade(program, done);
  registerCerts(program, done);
  registerMonitor(program, done);
  registerTune(program, done);
  registerScale(program, done);
  registerCompletion(program, done);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  installStopHandlers();
  const version = versionRequest(argv);
  if (version !== undefined) {
    try {
      return (await (await import('./version/run.ts')).runVersion(version)) ?? 0;
    } catch (error) {
      return reportError(error);
    }
  }
  let status = 0;
  const program = buildProgram((s) => {
    status = s ?? 0;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    status = reportError(error);
  }
  return statusAfterStop(status);
}

/** A run that a stop signal made fail exits 128 + its number (143 for SIGTERM), whatever failed. */
function statusAfterStop(status: number): number {
  const signal = stopSignal();
  if (signal === undefined) return status;
  if (wasStopHeld()) {
    process.stderr.write(`mxctl: ${signal} came while a change ran that is worse stopped half-way: it was finished.\n`);
    return status;
  }
  // NOTE: a run that succeeded all the same (it was done, or it was a viewer such as `logs -f`
  // that a Ctrl-C ends) says nothing more.
  if (status === 0) return status;
  process.stderr.write(`mxctl: stopped by ${signal}; the failure above is where it stopped.\n`);
  return exitStatusFor(signal);
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help is an "error" to commander; it already printed.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help') return 0;
    return 2;
  }
  if (isMxError(error)) {
    process.stderr.write(`mxctl: ${error.message}\n`);
    if (error.detail !== undefined) process.stderr.write(`${error.detail}\n`);
    if (error.hint !== undefined) process.stderr.write(`  fix: ${error.hint}\n`);
    return error.exitCode;
  }
  process.stderr.write(
    `mxctl: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 70;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
