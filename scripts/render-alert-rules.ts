// Writes the shipped Prometheus alert rules into a folder, until `mxctl init` writes them:
//   node scripts/render-alert-rules.ts monitoring/prometheus/rules
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderAlertRules } from '../src/core/templates/alert-rules.ts';

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write('usage: node scripts/render-alert-rules.ts DIR\n');
  process.exit(2);
}
await mkdir(dir, { recursive: true });
for (const [name, text] of Object.entries(renderAlertRules())) {
  await writeFile(join(dir, name), text);
  process.stdout.write(`${join(dir, name)}\n`);
}
