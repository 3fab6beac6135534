// Prints the runbook `mxctl init` writes, for example.org: the repo's docs/RUNBOOK.md.
//   node scripts/render-runbook.ts > docs/RUNBOOK.md
import { renderRunbook } from '../src/core/templates/runbook.ts';
import { settingsFromChoices } from '../src/core/init-options.ts';
import { SECRET_KEYS } from '../src/core/settings.ts';

const placeholder = Object.fromEntries(SECRET_KEYS.map((k) => [k, 'x'.repeat(43)])) as Record<
  (typeof SECRET_KEYS)[number],
  string
>;
process.stdout.write(renderRunbook(settingsFromChoices({ domain: 'example.org' }, placeholder)));
