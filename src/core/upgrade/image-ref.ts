// Image references as Docker reads them: `[registry[:port]/]repository[:tag][@digest]`, with
// Docker Hub's defaults (no registry → docker.io, a one-part name → library/NAME). The rules are
// those of distribution/reference's normalisation, so a pin means to mxctl what it means to
// `docker compose pull`. Pure.

export interface ImageRef {
  /** The registry as written in references: `docker.io`, `ghcr.io`, `127.0.0.2:5000`. */
  registry: string;
  /** The repository path inside that registry: `matrixdotorg/synapse`, `library/postgres`. */
  repository: string;
  tag: string | undefined;
  /** `sha256:…` when the reference pins one. */
  digest: string | undefined;
}

export type ParsedImageRef = { ok: true; ref: ImageRef } | { ok: false; problem: string };

export const DOCKER_HUB = 'docker.io';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const REGISTRY = /^(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

export function parseImageRef(text: string): ParsedImageRef {
  const bad = (problem: string): ParsedImageRef => ({
    ok: false,
    problem: `"${text}" is not an image reference: ${problem}`,
  });
  const [nameAndTag = '', digest, ...extra] = text.split('@');
  if (extra.length > 0) return bad('more than one @');
  if (digest !== undefined && !DIGEST.test(digest)) return bad(`"${digest}" is not a digest (sha256:…)`);
  const lastSlash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > lastSlash;
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined;
  if (tag !== undefined && !TAG.test(tag)) return bad(`"${tag}" is not a valid tag`);
  const { registry, path } = splitRegistry(name);
  if (!REGISTRY.test(registry)) return bad(`"${registry}" is not a registry host`);
  const repository = registry === DOCKER_HUB && !path.includes('/') ? `library/${path}` : path;
  if (repository === '' || !repository.split('/').every((c) => COMPONENT.test(c))) {
    return bad('the repository must be lower-case path components (letters, digits, . _ -)');
  }
  return { ok: true, ref: { registry, repository, tag, digest } };
}

/**
 * The first path component is a registry when it looks like a host (has a dot or a port, or is
 * localhost), exactly as Docker decides; otherwise the name is on Docker Hub.
 */
function splitRegistry(name: string): { registry: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const isHost = first !== '' && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  if (!isHost) return { registry: DOCKER_HUB, path: name };
  const registry = first === 'index.docker.io' ? DOCKER_HUB : first;
  return { registry, path: name.slice(slash + 1) };
}

/** The reference written out in full (`docker.io/library/postgres:18`), as Docker would show it. */
export function formatImageRef(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** The same image under another tag, without a digest (what an upgrade would pin, before resolving). */
export function withTag(ref: ImageRef, tag: string): ImageRef {
  return { ...ref, tag, digest: undefined };
}

/**
 * Where the registry's HTTP API lives. Docker Hub's API is not on docker.io; a registry on
 * loopback speaks plain HTTP (Docker allows that for 127.0.0.0/8 and localhost by default);
 * everything else is HTTPS.
 */
export function registryBaseUrl(registry: string): string {
  if (registry === DOCKER_HUB) return 'https://registry-1.docker.io';
  const host = registry.replace(/:[0-9]+$/, '');
  const loopback = host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
  return `${loopback ? 'http' : 'https'}://${registry}`;
}
