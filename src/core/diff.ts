// A small unified line diff (LCS), enough to show an admin what `mxctl init` would change.
// Pure. Files here are at most a few hundred lines, so O(n*m) is fine.

export function unifiedDiff(
  oldText: string,
  newText: string,
  path: string,
  context = 3,
  newLabel = 'mxctl init',
): string {
  if (oldText === newText) return '';
  const a = oldText.split('\n');
  const b = newText.split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i]!;
    const next = lcs[i + 1]!;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = a[i] === b[j] ? next[j + 1]! + 1 : Math.max(next[j]!, row[j + 1]!);
    }
  }
  type Op = { kind: ' ' | '-' | '+'; line: string; ai: number; bi: number };
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]!, ai: i++, bi: j++ });
    } else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ kind: '-', line: a[i]!, ai: i++, bi: j });
    } else {
      ops.push({ kind: '+', line: b[j]!, ai: i, bi: j++ });
    }
  }
  const out = [`--- ${path} (on disk)`, `+++ ${path} (${newLabel})`];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.kind === ' ') {
      k++;
      continue;
    }
    const start = Math.max(0, k - context);
    let end = k;
    // extend the hunk while changes are within 2*context lines of each other
    for (let last = k; end < ops.length; end++) {
      if (ops[end]!.kind !== ' ') last = end;
      else if (end - last > context * 2) break;
    }
    end = Math.min(ops.length, end);
    let tailEnd = end;
    while (tailEnd > k && ops[tailEnd - 1]!.kind === ' ' && tailEnd - 1 > k) tailEnd--;
    tailEnd = Math.min(ops.length, tailEnd + context);
    const hunk = ops.slice(start, tailEnd);
    const first = hunk[0]!;
    out.push(`@@ -${first.ai + 1} +${first.bi + 1} @@`);
    for (const op of hunk) out.push(`${op.kind}${op.line}`);
    k = tailEnd;
  }
  return `${out.join('\n')}\n`;
}

/** Replaces every secret value in `text` with REDACTED. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join('REDACTED');
  return out;
}
