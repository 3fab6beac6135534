// `npm run lab` / `npm run lab:down`: the README's main job — the real stack, operated by mxctl.
import { DEFAULT_LAB_DIR, labDestroy, labUp, mxctl, prepareHost } from './lab-stack.ts';
import { labSlot } from './lab-files.ts';

const command = process.argv[2] ?? 'up';
const dir = DEFAULT_LAB_DIR;
// `npm run lab` is slot 1: 127.0.0.1, lab.test. Tests use 127.0.0.2 and up, so both can run at once.
const slot = labSlot(1);
const log = (line: string) => process.stderr.write(`[lab] ${line}\n`);

if (command === 'up') {
  const started = Date.now();
  await prepareHost();
  await labUp({ dir, slot, log });
  const status = await mxctl(['status'], { dir });
  process.stdout.write(status.stdout);
  process.stdout.write(`
The lab is up in ${Math.round((Date.now() - started) / 1000)} s.
  deployment:  ${dir}
  Synapse:     https://matrix.${slot.domain}   (${slot.address}:443; the CA is pebble's, see lab/acme-roots.pem)
  web client:  https://chat.${slot.domain}     (the element slot serves Hydrogen, a lab test client, not Element: lab/README.md)
  .well-known: https://${slot.domain}/.well-known/matrix/server
  admin:       ${dir}/state/admin.json (mode 0600)
Operate it:    export MXCTL_DIR=${dir}; npx mxctl status
Tear it down:  npm run lab:down
`);
  process.exitCode = status.code;
} else if (command === 'down') {
  await labDestroy(dir);
  log(`removed the lab at ${dir}`);
} else {
  process.stderr.write('usage: node lab/lab.ts up|down\n');
  process.exitCode = 2;
}
