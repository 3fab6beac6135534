// Replacing one top-level key of a YAML file (homeserver.yaml) and nothing else. Pure.
// The yaml Document API finds the key's exact source range; the new text is spliced into the
// original there, so every other byte — an admin's comments, quoting, blank lines — is kept as is.
// NOTE: re-stringifying the whole Document would also keep comments, but it re-flows what it
// prints (flow-sequence padding, line width, quoting), which would show up in the diff as changes
// the admin never asked for.
import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, parse, parseDocument } from 'yaml';
import { MxError } from './errors.ts';

export interface BlockOptions {
  /** Comment lines our template writes directly above the key: replaced (or removed) with it. */
  ownComment?: readonly string[];
  /** Names the file in errors. */
  path: string;
}

function parseTopMap(text: string, path: string): Record<string, unknown> {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new MxError('E_CONFIG_INVALID', `${path} does not parse as YAML: ${doc.errors[0]?.message ?? ''}`, {
      hint: `Fix ${path} by hand first (\`mxctl doctor\` checks it).`,
    });
  }
  const js: unknown = doc.toJS();
  if (js === null || typeof js !== 'object' || Array.isArray(js))
    throw new MxError('E_CONFIG_INVALID', `${path} is not a YAML mapping.`);
  return js as Record<string, unknown>;
}

const lineStart = (text: string, at: number): number => text.lastIndexOf('\n', at - 1) + 1;
function lineEnd(text: string, at: number): number {
  if (at > 0 && text[at - 1] === '\n') return at;
  const nl = text.indexOf('\n', at);
  return nl < 0 ? text.length : nl + 1;
}

/**
 * Sets top-level `key` to what `block` (YAML text holding only that key, or '' to remove it)
 * says. An existing key is replaced where it stands; a new one is appended after a blank line.
 * The result is parsed back and must equal the old document with only that key changed.
 */
export function setTopLevelBlock(text: string, key: string, block: string, o: BlockOptions): string {
  const before = parseTopMap(text, o.path);
  const doc = parseDocument(text);
  if (!isMap(doc.contents) || doc.contents.flow === true)
    throw new MxError('E_CONFIG_INVALID', `${o.path} is not a block mapping; edit ${key} by hand.`);
  const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === key);
  let next: string;
  if (pair === undefined) {
    if (block === '') return text;
    next = `${text === '' || text.endsWith('\n') ? text : `${text}\n`}\n${block}`;
  } else {
    const keyNode = pair.key as { range?: [number, number, number] | null };
    const valueNode = pair.value as { range?: [number, number, number] | null } | null;
    const keyRange = keyNode.range;
    if (keyRange == null) throw new MxError('E_CONFIG_INVALID', `${o.path}: cannot locate ${key}; edit it by hand.`);
    let start = lineStart(text, keyRange[0]);
    const end = lineEnd(text, valueNode?.range?.[2] ?? keyRange[2]);
    const comment = o.ownComment ?? [];
    const above = text.slice(0, start).split('\n').slice(0, -1);
    const ours = comment.length > 0 && isDeepStrictEqual(above.slice(-comment.length), [...comment]);
    if (ours) start -= comment.reduce((n, l) => n + l.length + 1, 0);
    // NOTE: our block sits after a blank line; removing it takes that line too, so add-then-clear
    // gives back the very same file.
    if (ours && block === '' && start >= 2 && text.slice(start - 2, start) === '\n\n') start -= 1;
    next = text.slice(0, start) + block + text.slice(end);
  }
  const expected: Record<string, unknown> = { ...before };
  delete expected[key];
  if (block !== '') expected[key] = (parse(block) as Record<string, unknown>)[key];
  if (!isDeepStrictEqual(parseTopMap(next, o.path), expected)) {
    throw new MxError(
      'E_CONFIG_INVALID',
      `Could not change ${key} in ${o.path} without touching anything else; nothing was written.`,
      {
        hint: `Edit ${key} in ${o.path} by hand.`,
      },
    );
  }
  return next;
}
