// Validation of the names a deployment is built around. Pure.
import { MxError } from './errors.ts';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Why `name` is not a usable DNS hostname, or undefined when it is. */
export function hostnameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name !== name.toLowerCase()) return 'it has upper-case letters (use lower case)';
  if (name.length > 253) return 'it is longer than 253 characters';
  if (name.includes('://') || name.includes('/')) return 'it looks like a URL (give the bare host name)';
  if (name.includes(':')) return 'it has a port (give the bare host name)';
  const labels = name.split('.');
  if (labels.length < 2) return 'it needs at least two labels, like example.org';
  for (const label of labels) {
    if (!LABEL.test(label)) return `the label "${label}" is not valid (letters, digits and inner hyphens, 1-63 chars)`;
  }
  if (/^[0-9]+$/.test(labels.at(-1) ?? '')) return 'it looks like an IP address (a domain name is needed)';
  return undefined;
}

export function assertHostname(name: string, what: string): void {
  const problem = hostnameProblem(name);
  if (problem !== undefined) {
    throw new MxError('E_INVALID_INPUT', `Invalid ${what} "${name}": ${problem}.`);
  }
}
