// The background-updates run: read their status, say running or idle.
import { backgroundUpdates } from '../../ops/admin/background-updates.ts';
import { printJson, printTable, say } from '../output.ts';
import { adminDeps } from '../admin-run.ts';
import type { ExitStatus } from '../command.ts';

export async function runBackgroundUpdates(f: { json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const r = await backgroundUpdates({}, await adminDeps(dir, f));
  if (f.json === true) return printJson(r);
  const running = Object.entries(r.current_updates);
  say(
    `Background updates: ${r.enabled ? 'enabled' : 'PAUSED'}; ${running.length === 0 ? 'none running (idle)' : `${running.length} running`}.`,
  );
  if (running.length > 0)
    printTable(
      ['DATABASE', 'UPDATE', 'ITEMS', 'ITEMS/MS'],
      running.map(([db, u]) => [db, u.name, String(u.total_item_count), u.average_items_per_ms.toFixed(2)]),
    );
}
