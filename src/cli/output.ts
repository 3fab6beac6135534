// Output: tables for people, JSON for scripts, progress lines only on a terminal.

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  process.stdout.write(`${line(headers)}\n${rows.map(line).join('\n')}${rows.length > 0 ? '\n' : ''}`);
}

/** Progress for long work: shown on a TTY (stderr), silent in scripts and with --json. */
export function progress(enabled: boolean): (line: string) => void {
  if (!enabled || process.stderr.isTTY !== true) return () => undefined;
  return (line) => process.stderr.write(`… ${line}\n`);
}

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
