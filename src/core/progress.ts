// Progress of long work, as data. Operations report steps (a line each) and bytes through a
// Meter; the CLI decides whether and how to draw them (a bar on a terminal, nothing in scripts).

/** Bytes done so far, against a total when one is known. */
export type Meter = (done: number, total?: number) => void;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u] ?? 'TiB'}`;
}

/**
 * One line of progress: `[#########-----------]  45%  1.2 GiB / 2.7 GiB  85 MiB/s  ETA 18 s`,
 * or without a total `1.2 GiB  85 MiB/s`. Fits `width` columns.
 */
export function renderBar(o: {
  label: string;
  done: number;
  total?: number | undefined;
  bytesPerSecond: number;
  width: number;
}): string {
  const rate = o.bytesPerSecond > 0 ? `  ${formatBytes(Math.round(o.bytesPerSecond))}/s` : '';
  if (o.total === undefined || o.total <= 0) return fit(`${o.label}  ${formatBytes(o.done)}${rate}`, o.width);
  const frac = Math.min(1, Math.max(0, o.done / o.total));
  const eta = o.bytesPerSecond > 0 && frac < 1 ? `  ETA ${formatSeconds((o.total - o.done) / o.bytesPerSecond)}` : '';
  const text = `  ${String(Math.floor(frac * 100)).padStart(3)}%  ${formatBytes(o.done)} / ${formatBytes(o.total)}${rate}${eta}`;
  const barWidth = Math.max(10, Math.min(40, o.width - text.length - o.label.length - 4));
  const filled = Math.round(frac * barWidth);
  return fit(`${o.label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${text}`, o.width);
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function fit(line: string, width: number): string {
  return line.length <= width ? line : line.slice(0, Math.max(0, width - 1));
}
