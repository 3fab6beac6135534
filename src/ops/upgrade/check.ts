// `mxctl upgrade --check`: for each service, the image pinned in .env, what Docker holds for it
// locally, and what its registry offers newer. Reads only: nothing is pulled or written. A registry
// that cannot answer fails the whole check (E_REGISTRY) rather than report "up to date" for an
// image nobody looked at.
import { MxError } from '../../core/errors.ts';
import { SERVICES } from '../../core/templates/compose.ts';
import type { ServiceName } from '../../core/templates/compose.ts';
import { formatImageRef, parseImageRef, withTag } from '../../core/upgrade/image-ref.ts';
import type { ImageRef } from '../../core/upgrade/image-ref.ts';
import { newerTags, parseTagVersion, upgradeKind } from '../../core/upgrade/versions.ts';
import type { UpgradeKind } from '../../core/upgrade/versions.ts';
import type { LocalImage } from '../../adapters/docker-images.ts';
import type { Deps } from '../deps.ts';

export interface CheckOptions {
  /** Only these services (default: every service of the deployment). */
  services?: readonly ServiceName[];
  /** Offer rc/beta tags too. */
  includePrerelease?: boolean;
}

export type CheckDeps = Pick<Deps, 'deployment' | 'clock' | 'registry' | 'images'>;

/**
 * `update-available`: a newer tag of the same shape exists. `tag-moved`: no newer tag, but the
 * pinned tag now names other content than the pinned (or local) image. `unknown`: the pin names
 * no version (`latest`) and no digest to compare with.
 */
export type ImageStatus = 'up-to-date' | 'update-available' | 'tag-moved' | 'unknown';

export interface ImageCheck {
  service: ServiceName;
  /** The .env setting that pins it (`SYNAPSE_IMAGE`). */
  setting: string;
  /** The pin as written in .env. */
  pinned: string;
  /** The pin in full: registry, repository, tag. */
  image: string;
  tag: string | undefined;
  /** The `@sha256:…` of the pin, when it has one. */
  pinnedDigest: string | undefined;
  /** The pin's registry digest as Docker recorded it locally (RepoDigests), when it has the image. */
  localDigest: string | undefined;
  /** The local image id (all a locally built image has). */
  localImageId: string | undefined;
  /** What the registry serves for the pinned tag now. */
  registryDigest: string | undefined;
  /** The newest tag above the pinned one, of the same shape (prefix, parts, variant). */
  newest: { tag: string; image: string; digest: string; kind: UpgradeKind } | undefined;
  /** Every newer tag, oldest first. */
  newer: string[];
  status: ImageStatus;
  /** Why a status is what it is, when that is not obvious. */
  note: string | undefined;
}

export interface UpgradeCheckReport {
  deployment: string;
  checkedAt: string;
  images: ImageCheck[];
  /** How many images have a newer tag or a moved tag. */
  updates: number;
}

export function imageSetting(service: ServiceName): `${Uppercase<ServiceName>}_IMAGE` {
  return `${service.toUpperCase() as Uppercase<ServiceName>}_IMAGE`;
}

export async function checkUpgrades(o: CheckOptions, d: CheckDeps): Promise<UpgradeCheckReport> {
  const checkedAt = d.clock.now().toISOString();
  const services = o.services ?? SERVICES;
  const results = await Promise.allSettled(services.map((s) => checkImage(s, o, d)));
  const failed = results.flatMap((r, i) =>
    r.status === 'rejected' ? [{ service: services[i] ?? '', error: r.reason as unknown }] : [],
  );
  if (failed.length > 0) throw checkFailed(failed, services.length);
  const images = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const updates = images.filter((x) => x.status === 'update-available' || x.status === 'tag-moved').length;
  return { deployment: d.deployment.root, checkedAt, images, updates };
}

async function checkImage(service: ServiceName, o: CheckOptions, d: CheckDeps): Promise<ImageCheck> {
  const setting = imageSetting(service);
  const pinned = d.deployment.settings[setting];
  const parsed = parseImageRef(pinned);
  if (!parsed.ok)
    throw new MxError('E_CONFIG_INVALID', `${setting} in .env: ${parsed.problem}.`, {
      hint: 'Fix the image pin in .env, then run this again.',
    });
  const ref = parsed.ref;
  // WHY settle first, then await in order: the three run at once, but the error reported must not
  // depend on which answer comes first. An unknown repository fails both the tag list and the
  // manifest; the tag list's "no repository" is the true cause, so it is awaited first.
  const tagsP = d.registry.listTags(ref);
  const digestP = ref.tag === undefined ? Promise.resolve(undefined) : d.registry.manifestDigest(ref);
  const localP = d.images.inspect(pinned);
  await Promise.allSettled([tagsP, digestP, localP]);
  const tags = await tagsP;
  const registryDigest = await digestP;
  const local = await localP;
  const newer =
    ref.tag === undefined
      ? []
      : newerTags(ref.tag, tags, o.includePrerelease === true ? { includePrerelease: true } : {});
  const top = newer.at(-1);
  const target = top === undefined ? undefined : withTag(ref, top.tag);
  const newest =
    top === undefined || target === undefined
      ? undefined
      : {
          tag: top.tag,
          image: formatImageRef(target),
          digest: await d.registry.manifestDigest(target),
          kind: kindOf(ref, top.tag),
        };
  const localDigest = localDigestOf(ref, local);
  const base = {
    service,
    setting,
    pinned,
    image: formatImageRef({ ...ref, digest: undefined }),
    tag: ref.tag,
    pinnedDigest: ref.digest,
    localDigest,
    localImageId: local?.id,
  };
  return {
    ...base,
    registryDigest,
    newest,
    newer: newer.map((v) => v.tag),
    ...judge(ref, newest !== undefined, registryDigest, ref.digest ?? localDigest),
  };
}

function kindOf(ref: ImageRef, to: string): UpgradeKind {
  const from = parseTagVersion(ref.tag ?? '');
  const target = parseTagVersion(to);
  return from === undefined || target === undefined ? 'major' : upgradeKind(from, target);
}

/** The RepoDigest of the pin's own repository (an image pulled from two registries has two). */
export function localDigestOf(ref: ImageRef, local: LocalImage | undefined): string | undefined {
  for (const entry of local?.repoDigests ?? []) {
    const p = parseImageRef(entry);
    if (p.ok && p.ref.registry === ref.registry && p.ref.repository === ref.repository) return p.ref.digest;
  }
  return undefined;
}

function judge(
  ref: ImageRef,
  hasNewer: boolean,
  registryDigest: string | undefined,
  have: string | undefined,
): { status: ImageStatus; note: string | undefined } {
  if (hasNewer) return { status: 'update-available', note: undefined };
  const isVersion = ref.tag !== undefined && parseTagVersion(ref.tag) !== undefined;
  if (have !== undefined && registryDigest !== undefined && have !== registryDigest) {
    return {
      status: 'tag-moved',
      note: `the registry's ${ref.tag ?? 'latest'} is no longer the image this deployment has (${short(have)} → ${short(registryDigest)})`,
    };
  }
  if (isVersion)
    return {
      status: 'up-to-date',
      note:
        have === undefined
          ? 'no local image pulled by digest to compare with (built locally, or not pulled yet)'
          : undefined,
    };
  if (have === undefined)
    return {
      status: 'unknown',
      note: `the pin ${ref.tag === undefined ? 'has no tag' : `"${ref.tag}" names no version`} and there is no digest to compare with`,
    };
  return {
    status: 'up-to-date',
    note: `the pin "${ref.tag ?? 'latest'}" names no version: only its digest was compared`,
  };
}

function short(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

function checkFailed(failed: readonly { service: string; error: unknown }[], total: number): Error {
  // A bug stays a bug (exit 70): only expected failures are summed up.
  const bug = failed.find((f) => !(f.error instanceof MxError));
  if (bug !== undefined) return bug.error instanceof Error ? bug.error : new Error(String(bug.error));
  const errors = failed.map((f) => ({ service: f.service, error: f.error as MxError }));
  const first = errors[0];
  if (first === undefined) return new Error('checkFailed called without failures');
  // The registry's code when any registry failed; otherwise the first failure's own (a bad pin, Docker down).
  const code = errors.some((e) => e.error.code === 'E_REGISTRY') ? 'E_REGISTRY' : first.error.code;
  const message =
    errors.length === 1
      ? `Could not check ${first.service} for updates: ${first.error.message}`
      : `Could not check ${errors.length} of ${total} images for updates.`;
  const detail =
    errors.length > 1 ? errors.map((e) => `  - ${e.service}: ${e.error.message}`).join('\n') : first.error.detail;
  return new MxError(code, message, {
    cause: first.error,
    ...(detail === undefined ? {} : { detail }),
    hint: `${first.error.hint ?? 'Run this again when the registry answers.'} Nothing was changed.`,
  });
}
