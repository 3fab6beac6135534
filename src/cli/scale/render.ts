// `mxctl scale check` for people: one line per signal, then each fired trigger's action.
import type { ScaleCheckReport } from '../../ops/scale/check.ts';
import { formatSpan, formatValue } from '../../core/scale/triggers.ts';
import { say } from '../output.ts';

const MARK = {
  fired: 'FIRED',
  building: 'over ',
  unproven: 'over?',
  spike: 'spike',
  quiet: 'ok   ',
  unknown: '?    ',
} as const;

export function renderScaleCheck(r: ScaleCheckReport): void {
  say(`${r.serverName} — window ${formatSpan(r.windowMs)} — ${r.sources.join('; ')}`);
  for (const n of r.notes) say(`  note: ${n}`);
  for (const s of r.signals) {
    const held = s.heldMs > 0 ? `, held ${formatSpan(s.heldMs)}` : '';
    say(
      `${MARK[s.verdict]}  ${s.id.padEnd(20)} ${formatValue(s.unit, s.current).padStart(10)}  (> ${formatValue(s.unit, s.threshold)}${held})  ${s.summary}`,
    );
  }
  for (const a of r.actions) {
    say('');
    say(`${a.trigger}: ${a.summary}`);
    for (const c of a.commands) say(`  $ ${c}`);
    for (const x of a.details) say(`  · ${x}`);
    if (a.diff !== '') say(a.diff);
  }
  say(
    r.actions.length === 0 ? `No trigger fired (${r.seconds.toFixed(1)} s).` : `${r.actions.length} trigger(s) fired.`,
  );
}
