// Version order of image tags. Registries return tags in no useful order and mix versions with
// names (`latest`, `develop`), pre-releases (`v1.161.0rc1`, `2.0.0-beta.1`) and variants
// (`18-alpine`, `1.30-bookworm`). An upgrade offer compares only tags of the same shape as the
// pin — same `v` prefix, same number of version parts, same variant — so `postgres:18` is never
// offered `18.1-alpine`, and `nginx:1.30` moves along `1.x`. Pure.

export interface TagVersion {
  tag: string;
  /** `v` when the tag is written `v1.160.0`. */
  prefix: '' | 'v';
  parts: readonly number[];
  /** `rc1`, `beta.2`: a pre-release of `parts`, ordered before it. */
  pre: string | undefined;
  /** `alpine`, `bookworm`: a build of the same version on another base, never mixed with others. */
  variant: string;
}

const VERSION_TAG =
  /^(v?)(\d+(?:\.\d+){0,3})(?:[-.]?((?:rc|alpha|beta|pre|dev|a|b)\.?\d*))?(?:-([a-z][a-z0-9._-]*))?$/i;

/** A tag's version, or undefined for a tag that names no version (`latest`, `sha-1234abc`). */
export function parseTagVersion(tag: string): TagVersion | undefined {
  const m = VERSION_TAG.exec(tag);
  if (m === null) return undefined;
  const parts = (m[2] ?? '').split('.').map(Number);
  if (parts.some((n) => !Number.isSafeInteger(n))) return undefined;
  return { tag, prefix: m[1] === 'v' ? 'v' : '', parts, pre: m[3]?.toLowerCase(), variant: m[4]?.toLowerCase() ?? '' };
}

/** Negative when a is older than b, 0 when the same version, positive when newer. */
export function compareVersions(a: TagVersion, b: TagVersion): number {
  const n = Math.max(a.parts.length, b.parts.length);
  for (let i = 0; i < n; i++) {
    const d = (a.parts[i] ?? 0) - (b.parts[i] ?? 0);
    if (d !== 0) return d;
  }
  if (a.pre === b.pre) return 0;
  if (a.pre === undefined) return 1;
  if (b.pre === undefined) return -1;
  return a.pre.localeCompare(b.pre, 'en', { numeric: true });
}

/** Same prefix, same number of parts, same variant: tags an upgrade may move between. */
export function isSameShape(a: TagVersion, b: TagVersion): boolean {
  return a.prefix === b.prefix && a.parts.length === b.parts.length && a.variant === b.variant;
}

export interface NewerOptions {
  /** Offer rc/beta tags too (never by default: they are not releases). */
  includePrerelease?: boolean;
}

/** The tags newer than the pinned one, of the same shape, oldest first. */
export function newerTags(pinned: string, tags: readonly string[], o: NewerOptions = {}): TagVersion[] {
  const pin = parseTagVersion(pinned);
  if (pin === undefined) return [];
  return tags
    .map(parseTagVersion)
    .filter((v): v is TagVersion => v !== undefined)
    .filter(
      (v) =>
        isSameShape(v, pin) && (o.includePrerelease === true || v.pre === undefined) && compareVersions(v, pin) > 0,
    )
    .sort(compareVersions);
}

export type UpgradeKind = 'major' | 'minor' | 'patch';

/**
 * How far a move goes. NOTE: Synapse's releases are all 1.x, so for a 3-part version a change
 * of the second part is "minor" as semver says; a 1- or 2-part tag like postgres `18` changes
 * its major when its first part changes (a PostgreSQL major needs a dump and reload).
 */
export function upgradeKind(from: TagVersion, to: TagVersion): UpgradeKind {
  if ((to.parts[0] ?? 0) !== (from.parts[0] ?? 0)) return 'major';
  if ((to.parts[1] ?? 0) !== (from.parts[1] ?? 0)) return 'minor';
  return 'patch';
}
