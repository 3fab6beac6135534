// Prometheus's text exposition format (version 0.0.4), as Synapse's metrics listener serves it.
// Parsed here rather than with an npm package: prom-client only writes the format, and the
// grammar is small (https://prometheus.io/docs/instrumenting/exposition_formats/). Pure.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** One sample line: name, optional {labels}, value, optional timestamp (ignored). */
const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+-?\d+)?$/;

/**
 * Every sample in an exposition. Comments (# HELP, # TYPE) and blank lines are skipped; a line
 * that does not parse is returned in `bad` instead of stopping the rest (one odd metric must
 * not blind every check).
 */
export function parseExposition(text: string): { samples: Sample[]; bad: string[] } {
  const samples: Sample[] = [];
  const bad: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    const labels = m === null ? undefined : parseLabels(m[2] ?? '');
    const value = m === null ? NaN : parseValue(m[3] ?? '');
    if (m === null || labels === undefined || (Number.isNaN(value) && m[3] !== 'NaN')) {
      bad.push(line);
      continue;
    }
    samples.push({ name: m[1] ?? '', labels, value });
  }
  return { samples, bad };
}

function parseValue(v: string): number {
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  return v === '' ? NaN : Number(v);
}

/** `{a="1",b="x\"y"}` → { a: '1', b: 'x"y' }; undefined when malformed. */
function parseLabels(block: string): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  if (block === '') return labels;
  let i = 1;
  const end = block.length - 1;
  while (i < end) {
    while (block[i] === ' ' || block[i] === ',') i++;
    if (i >= end) break;
    const eq = block.indexOf('=', i);
    if (eq < 0 || block[eq + 1] !== '"') return undefined;
    const key = block.slice(i, eq).trim();
    let value = '';
    let j = eq + 2;
    for (; j < end && block[j] !== '"'; j++) {
      if (block[j] === '\\') {
        j++;
        value += block[j] === 'n' ? '\n' : (block[j] ?? '');
      } else value += block[j];
    }
    if (block[j] !== '"' || key === '') return undefined;
    labels[key] = value;
    i = j + 1;
  }
  return labels;
}

export type LabelMatch = Record<string, string | RegExp>;

/** The samples of one metric whose labels match (a string is equality, a RegExp a full match). */
export function select(samples: readonly Sample[], name: string, match: LabelMatch = {}): Sample[] {
  return samples.filter(
    (s) =>
      s.name === name &&
      Object.entries(match).every(([k, want]) => {
        const got = s.labels[k] ?? '';
        return typeof want === 'string' ? got === want : new RegExp(`^(?:${want.source})$`).test(got);
      }),
  );
}

/** Sum of the matching samples, or undefined when the metric is absent. */
export function sumOf(samples: readonly Sample[], name: string, match: LabelMatch = {}): number | undefined {
  const xs = select(samples, name, match);
  return xs.length === 0 ? undefined : xs.reduce((t, s) => t + s.value, 0);
}

/** Cumulative histogram buckets summed over the other labels: upper bound → count, ascending. */
export function bucketsOf(samples: readonly Sample[], name: string, match: LabelMatch = {}): Bucket[] {
  const byLe = new Map<number, number>();
  for (const s of select(samples, `${name}_bucket`, match)) {
    const le = parseValue(s.labels['le'] ?? '');
    if (Number.isNaN(le)) continue;
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
}

export interface Bucket {
  le: number;
  count: number;
}

/** b - a bucket by bucket (a counter delta); undefined when a count went down (the process restarted). */
export function bucketDelta(now: readonly Bucket[], before: readonly Bucket[]): Bucket[] | undefined {
  const old = new Map(before.map((b) => [b.le, b.count]));
  const out: Bucket[] = [];
  for (const b of now) {
    const d = b.count - (old.get(b.le) ?? 0);
    if (d < 0) return undefined;
    out.push({ le: b.le, count: d });
  }
  return out;
}

/**
 * PromQL's histogram_quantile on one set of cumulative buckets: linear interpolation inside the
 * bucket the rank falls in. `aboveTop` says the rank fell in +Inf: the value is then the highest
 * finite bound, a floor (Synapse's response-time histogram stops at 10 s).
 */
export function histogramQuantile(
  q: number,
  buckets: readonly Bucket[],
): { value: number; count: number; aboveTop: boolean } | undefined {
  const total = buckets.at(-1)?.le === Infinity ? (buckets.at(-1)?.count ?? 0) : undefined;
  if (total === undefined || total === 0 || buckets.length < 2) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return { value: prevLe, count: total, aboveTop: true };
      const inBucket = b.count - prevCount;
      const value = inBucket === 0 ? b.le : prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
      return { value, count: total, aboveTop: false };
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return undefined;
}
