// `mxctl init`: flags → init options; the deployment's summary or the changes applied.
import { initDeployment } from '../../ops/init.ts';
import { deploymentRoot } from '../../ops/deployment.ts';
import { printJson, say } from '../output.ts';
import type { ExitStatus } from '../command.ts';
import { terminalConfirm } from '../prompt.ts';

export interface InitFlags {
  domain: string;
  matrixHost?: string;
  elementHost?: string;
  acmeServer?: string;
  acmeEmail?: string;
  resolve?: string;
  caFile?: string;
  yes?: true;
  json?: true;
}

export async function runInit(f: InitFlags, dir: string | undefined): Promise<ExitStatus> {
  const { root } = deploymentRoot({ dir });
  const report = await initDeployment(
    {
      root,
      domain: f.domain,
      matrixHost: f.matrixHost,
      elementHost: f.elementHost,
      acmeServer: f.acmeServer,
      acmeEmail: f.acmeEmail,
      resolve: f.resolve,
      caFile: f.caFile,
      yes: f.yes === true,
    },
    { confirm: f.json === true ? undefined : terminalConfirm(), show: (text) => process.stderr.write(text) },
  );
  if (f.json === true) return printJson(report);
  if (report.created) {
    say(`Created the deployment for ${report.settings.MX_SERVER_NAME} in ${report.root}`);
    say(
      `  Synapse: https://${report.settings.MX_MATRIX_HOST}   web client (element service): https://${report.settings.MX_ELEMENT_HOST}`,
    );
    say('  Secrets are in .env (mode 0600). Copy BACKUP_PASSPHRASE somewhere off this server.');
    say(`Next: point DNS for the three names at this server, then \`mxctl up --dir ${report.root}\`.`);
  } else if (report.changed.length === 0) {
    say(`${report.root} is already up to date; nothing changed.`);
  } else {
    say(`Updated ${report.changed.length} file(s) in ${report.root}: ${report.changed.join(', ')}`);
  }
}
