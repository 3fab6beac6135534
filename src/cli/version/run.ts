// `mxctl --version`: the version, then the deployment's pins when there is one.
import { describeVersion } from '../../ops/version.ts';
import type { ExitStatus } from '../command.ts';
import { printJson, printTable, say } from '../output.ts';
import type { VersionRequest } from './command.ts';

export async function runVersion(r: VersionRequest): Promise<ExitStatus> {
  const report = await describeVersion({ dir: r.dir });
  if (r.json) {
    printJson(report);
    return 0;
  }
  say(`mxctl ${report.mxctl}`);
  say(`Node.js ${report.node}`);
  if (report.deployment === null) return 0;
  say(`deployment ${report.deployment.root} (chosen by ${report.deployment.from}), pinned images:`);
  printTable(
    ['SERVICE', 'IMAGE'],
    Object.entries(report.deployment.images).map(([service, image]) => [service, image ?? '(no pin in .env)']),
  );
  return 0;
}
