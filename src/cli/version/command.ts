// The root's -V/--version. NOTE: commander's own .version() prints a fixed string while it parses
// and exits; ours reads the deployment (async), so main() recognises the request here, before
// commander runs: the version flag among the root's own flags (--dir, --json), before any command.
import type { Command } from '@commander-js/extra-typings';
import { MxError } from '../../core/errors.ts';

export interface VersionRequest {
  dir: string | undefined;
  json: boolean;
}

/** `mxctl [--dir D] --version [--json]` → what to print; anything else is commander's to parse. */
export function versionRequest(argv: readonly string[]): VersionRequest | undefined {
  let asked = false;
  let json = false;
  let dir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-V' || arg === '--version') asked = true;
    else if (arg === '--json') json = true;
    else if (arg.startsWith('--dir=')) dir = arg.slice('--dir='.length);
    else if (arg === '--dir' && i + 1 < argv.length) dir = argv[++i];
    else return undefined;
  }
  return asked ? { dir, json } : undefined;
}

export function registerVersion(program: Command): void {
  program.option('-V, --version', "print mxctl's version and the deployment's pinned images (with --json: as JSON)");
  // Reached only when --version came with a command (`mxctl --version status`): refuse rather
  // than run the command, as commander's own --version would have stopped it too.
  program.hook('preSubcommand', (root) => {
    if ((root.opts() as { version?: true }).version === true) {
      throw new MxError('E_USAGE', '--version takes no command.', {
        hint: 'Run `mxctl --version` alone (optionally with --dir DIR and --json).',
      });
    }
  });
}
