// Reading and writing the deployment's `.env` (docker compose's dotenv dialect). Pure.
// The writer keeps the template's comments and order; values are single-quoted when they
// hold anything compose would interpret, so a value round-trips byte for byte.

export type EnvMap = ReadonlyMap<string, string>;

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EnvParseResult {
  values: Map<string, string>;
  errors: string[];
}

export function parseEnvFile(text: string): EnvParseResult {
  const values = new Map<string, string>();
  const errors: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq).trim();
    if (eq < 0 || !KEY.test(key)) {
      errors.push(`line ${index + 1}: expected KEY=VALUE`);
      return;
    }
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
      value = value.slice(1, -1);
    } else if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
    } else {
      const hash = value.search(/\s#/);
      if (hash >= 0) value = value.slice(0, hash).trimEnd();
    }
    values.set(key, value);
  });
  return { values, errors };
}

export function formatEnvValue(value: string): string {
  if (/^[A-Za-z0-9_./:@+,-]*$/.test(value)) return value;
  if (value.includes("'") || value.includes('\n')) {
    throw new Error(`cannot write an .env value holding a quote or newline`);
  }
  return `'${value}'`;
}

export interface EnvEntry {
  key: string;
  value: string;
  /** Comment lines written above the entry. */
  comment?: string;
}

export function formatEnvFile(header: string, sections: ReadonlyArray<{ title: string; entries: EnvEntry[] }>): string {
  const out: string[] = [header.trimEnd(), ''];
  for (const section of sections) {
    out.push(`# --- ${section.title} ---`);
    for (const e of section.entries) {
      if (e.comment !== undefined) for (const c of e.comment.split('\n')) out.push(`# ${c}`);
      out.push(`${e.key}=${formatEnvValue(e.value)}`);
    }
    out.push('');
  }
  return out.join('\n');
}

/**
 * Sets one KEY=VALUE line in an existing .env text, keeping every other line (comments, order)
 * as it is. A missing key is added, with its comment lines, before the line `insertBefore`
 * matches (else at the end).
 */
export function setEnvValue(
  text: string,
  key: string,
  value: string,
  o: { comment?: string; insertBefore?: RegExp } = {},
): string {
  const lines = text.split('\n');
  const line = `${key}=${formatEnvValue(value)}`;
  // NOTE: the last line of a key wins when it is read (parseEnvFile), so that is the one to change.
  const at = lines.findLastIndex((l) => l.trim().startsWith(`${key}=`));
  if (at >= 0) {
    lines[at] = line;
    return lines.join('\n');
  }
  const added = [...(o.comment === undefined ? [] : o.comment.split('\n').map((c) => `# ${c}`)), line];
  const before = o.insertBefore === undefined ? -1 : lines.findIndex((l) => o.insertBefore?.test(l) === true);
  if (before >= 0) {
    lines.splice(before, 0, ...added);
    return lines.join('\n');
  }
  const body = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  return `${body}${added.join('\n')}\n`;
}
