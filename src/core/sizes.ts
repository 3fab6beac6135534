// Sizes as an admin types them ("8G" for `mxctl tune --memory`). NOTE: its own module, not
// tuning.ts's: a command table imports it, and tuning.ts would load a YAML parser into every run.
const KiB = 1024;

/** "8G", "512M", "16384M", "16GiB" → bytes; undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT])i?B?$/i.exec(text.trim());
  if (m === null) return undefined;
  const unit = { K: KiB, M: KiB ** 2, G: KiB ** 3, T: KiB ** 4 }[(m[2] ?? 'G').toUpperCase() as 'K' | 'M' | 'G' | 'T'];
  const bytes = Number(m[1]) * unit;
  return bytes > 0 ? bytes : undefined;
}
