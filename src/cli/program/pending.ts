// Commands the deployment's scripts already call but that have not landed yet: a clear message
// instead of "unknown command". Remove a name here when its real command is registered.
import type { Command } from '@commander-js/extra-typings';
import { MxError } from '../../core/errors.ts';

export function registerPending(program: Command, names: readonly string[]): void {
  for (const name of names) {
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
}
