// A Docker Registry HTTP API v2 client: the tags of a repository and the digest of a tag, read
// without pulling. Docker Hub (and ghcr.io, quay.io) answer an anonymous request with 401 and a
// `WWW-Authenticate: Bearer realm=…,service=…,scope=…` challenge; the client fetches an anonymous
// token from the realm and asks again, so one code path serves every registry. Every failure is a
// RegistryError (E_REGISTRY) that says which registry and what went wrong, and reads change nothing.
import { createHash } from 'node:crypto';
import { MxError } from '../core/errors.ts';
import { registryBaseUrl } from '../core/upgrade/image-ref.ts';
import type { ImageRef } from '../core/upgrade/image-ref.ts';

export interface RegistryClient {
  /** Every tag of the repository (all pages), in the registry's order. */
  listTags(ref: ImageRef): Promise<string[]>;
  /** The digest the registry serves for `ref`'s tag: what `docker pull` would resolve it to. */
  manifestDigest(ref: ImageRef): Promise<string>;
}

/** Why a registry request failed: callers branch on this, never on the message. */
export type RegistryFailure = 'unreachable' | 'not-found' | 'unauthorized' | 'rate-limited' | 'bad-answer' | 'http';

export class RegistryError extends MxError {
  override readonly name = 'RegistryError';
  readonly reason: RegistryFailure;
  readonly registry: string;
  readonly status: number | undefined;

  constructor(
    reason: RegistryFailure,
    message: string,
    fields: { registry: string; status?: number; hint?: string; detail?: string; cause?: unknown },
  ) {
    super('E_REGISTRY', message, {
      ...(fields.hint === undefined ? {} : { hint: fields.hint }),
      ...(fields.detail === undefined ? {} : { detail: fields.detail }),
      ...(fields.cause === undefined ? {} : { cause: fields.cause }),
    });
    this.reason = reason;
    this.registry = fields.registry;
    this.status = fields.status;
  }
}

export interface RegistryClientOptions {
  /** Per request (a token fetch is one request too). */
  timeoutMs?: number;
  /** Where a registry's API lives; tests point it at a local server. */
  baseUrl?: (registry: string) => string;
}

// NOTE: every manifest type, index types first: the digest of a multi-arch tag is the index's,
// which is what `docker pull` records in RepoDigests.
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const MAX_PAGES = 100;

export function createRegistryClient(o: RegistryClientOptions = {}): RegistryClient {
  const http = new RegistryHttp(o.timeoutMs ?? 15_000, o.baseUrl ?? registryBaseUrl);
  return {
    listTags: (ref) => listTags(http, ref),
    manifestDigest: (ref) => manifestDigest(http, ref),
  };
}

async function listTags(http: RegistryHttp, ref: ImageRef): Promise<string[]> {
  const tags: string[] = [];
  let path: string | undefined = `/v2/${ref.repository}/tags/list`;
  for (let page = 0; path !== undefined; page++) {
    if (page === MAX_PAGES) throw http.error(ref, 'bad-answer', `sent more than ${MAX_PAGES} pages of tags`);
    const res = await http.get(ref, path, { accept: 'application/json' }, 'repository');
    const body = await http.json(ref, res);
    const list = (body as { tags?: unknown } | null)?.tags;
    // NOTE: a repository with no tags left answers `"tags": null`.
    if (list !== null && (!Array.isArray(list) || !list.every((t) => typeof t === 'string'))) {
      throw http.error(ref, 'bad-answer', 'answered a tag list without a "tags" array of strings');
    }
    tags.push(...(list ?? []));
    path = nextPage(res.headers.get('link'), http.base(ref));
  }
  return tags;
}

/** RFC 8288 `Link: </v2/…/tags/list?last=x&n=100>; rel="next"`, kept on the same registry. */
export function nextPage(link: string | null, base: string): string | undefined {
  const m = link === null ? null : /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  if (m?.[1] === undefined) return undefined;
  const url = new URL(m[1], base);
  if (url.origin !== new URL(base).origin) return undefined;
  return `${url.pathname}${url.search}`;
}

async function manifestDigest(http: RegistryHttp, ref: ImageRef): Promise<string> {
  const path = `/v2/${ref.repository}/manifests/${ref.tag ?? 'latest'}`;
  const head = await http.request(ref, 'HEAD', path, { accept: MANIFEST_ACCEPT }, 'tag');
  const digest = head.headers.get('docker-content-digest');
  if (digest !== null) {
    if (!DIGEST.test(digest))
      throw http.error(
        ref,
        'bad-answer',
        `answered a Docker-Content-Digest that is not a sha256 digest ("${digest.slice(0, 80)}")`,
      );
    return digest;
  }
  // NOTE: some registries omit the header on HEAD; a manifest's digest is the sha256 of its bytes.
  const res = await http.get(ref, path, { accept: MANIFEST_ACCEPT }, 'tag');
  const bytes = Buffer.from(await http.body(ref, res));
  await http.json(ref, new Response(bytes)); // a manifest is JSON: an HTML page is not one
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

type Missing = 'repository' | 'tag';

interface Challenge {
  realm: string;
  service: string | undefined;
  scope: string | undefined;
}

/** `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/postgres:pull"` */
export function parseBearerChallenge(header: string | null): Challenge | undefined {
  if (header === null || !/^\s*bearer\s/i.test(header)) return undefined;
  const params = new Map<string, string>();
  for (const m of header.replace(/^\s*bearer\s+/i, '').matchAll(/([a-zA-Z_]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) {
    if (m[1] !== undefined) params.set(m[1].toLowerCase(), m[2] ?? m[3] ?? '');
  }
  const realm = params.get('realm');
  if (realm === undefined || realm === '') return undefined;
  return { realm, service: params.get('service'), scope: params.get('scope') };
}

/** The HTTP side: timeouts, the token dance, and turning every failure into a RegistryError. */
class RegistryHttp {
  // One token per registry and scope (a pull token covers every request on that repository).
  private readonly tokens = new Map<string, string>();
  private readonly timeoutMs: number;
  private readonly baseOf: (registry: string) => string;

  constructor(timeoutMs: number, baseOf: (registry: string) => string) {
    this.timeoutMs = timeoutMs;
    this.baseOf = baseOf;
  }

  base(ref: ImageRef): string {
    return this.baseOf(ref.registry);
  }

  get(ref: ImageRef, path: string, headers: Record<string, string>, missing: Missing): Promise<Response> {
    return this.request(ref, 'GET', path, headers, missing);
  }

  async request(
    ref: ImageRef,
    method: string,
    path: string,
    headers: Record<string, string>,
    missing: Missing,
  ): Promise<Response> {
    const key = `${ref.registry} ${ref.repository}`;
    const url = `${this.base(ref)}${path}`;
    let res = await this.send(ref, url, method, withToken(headers, this.tokens.get(key)));
    if (res.status === 401) {
      const challenge = parseBearerChallenge(res.headers.get('www-authenticate'));
      if (challenge === undefined)
        throw this.unauthorized(ref, res, 'asks for credentials mxctl does not have (no Bearer challenge)');
      await res.body?.cancel();
      const token = await this.fetchToken(ref, challenge);
      this.tokens.set(key, token);
      res = await this.send(ref, url, method, withToken(headers, token));
    }
    if (res.ok) return res;
    throw await this.failure(ref, res, missing);
  }

  private async fetchToken(ref: ImageRef, c: Challenge): Promise<string> {
    let url: URL;
    try {
      url = new URL(c.realm);
    } catch {
      throw this.error(ref, 'bad-answer', `sent a token realm that is not a URL ("${c.realm.slice(0, 80)}")`);
    }
    if (c.service !== undefined) url.searchParams.set('service', c.service);
    url.searchParams.set('scope', c.scope ?? `repository:${ref.repository}:pull`);
    const res = await this.send(ref, url.toString(), 'GET', { accept: 'application/json' });
    if (!res.ok)
      throw this.unauthorized(ref, res, `refused an anonymous token (HTTP ${res.status} from ${url.origin})`);
    const body = (await this.json(ref, res)) as { token?: unknown; access_token?: unknown } | null;
    const token = body?.token ?? body?.access_token;
    if (typeof token !== 'string' || token === '')
      throw this.error(ref, 'bad-answer', `token service ${url.origin} answered without a token`);
    return token;
  }

  private async send(ref: ImageRef, url: string, method: string, headers: Record<string, string>): Promise<Response> {
    try {
      return await fetch(url, { method, headers, redirect: 'follow', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (cause) {
      throw this.unreachable(ref, url, cause);
    }
  }

  async body(ref: ImageRef, res: Response): Promise<ArrayBuffer> {
    try {
      return await res.arrayBuffer();
    } catch (cause) {
      throw this.unreachable(ref, res.url, cause);
    }
  }

  async json(ref: ImageRef, res: Response): Promise<unknown> {
    const text = Buffer.from(await this.body(ref, res)).toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw this.error(ref, 'bad-answer', 'answered something that is not JSON (is this address a registry?)', {
        detail: snippet(text),
      });
    }
  }

  private async failure(ref: ImageRef, res: Response, missing: Missing): Promise<RegistryError> {
    const text = await res.text().catch(() => '');
    const codes = errorCodes(text);
    const what = missing === 'tag' ? `${ref.repository}:${ref.tag ?? 'latest'}` : ref.repository;
    if (res.status === 404) {
      const unknownRepo = codes.includes('NAME_UNKNOWN') || missing === 'repository';
      return this.error(ref, 'not-found', unknownRepo ? `has no repository ${ref.repository}` : `has no tag ${what}`, {
        status: 404,
        hint: unknownRepo
          ? 'Check the image name in .env (the *_IMAGE settings).'
          : 'Check the tag: `mxctl upgrade --check` lists what the registry offers.',
      });
    }
    if (res.status === 401 || res.status === 403)
      return this.unauthorized(ref, res, `refused access to ${ref.repository} (it does not exist, or it is private)`);
    if (res.status === 429)
      return this.error(ref, 'rate-limited', 'is rate-limiting this address (HTTP 429)', {
        status: 429,
        hint: 'Wait a while and try again (Docker Hub limits anonymous requests per IP).',
      });
    return this.error(ref, 'http', `answered HTTP ${res.status} for ${what}`, {
      status: res.status,
      detail: snippet(text),
    });
  }

  private unauthorized(ref: ImageRef, res: Response, why: string): RegistryError {
    return this.error(ref, 'unauthorized', why, { status: res.status });
  }

  private unreachable(ref: ImageRef, url: string, cause: unknown): RegistryError {
    const why = describeFetchFailure(cause, this.timeoutMs);
    return new RegistryError('unreachable', `Cannot reach the image registry ${ref.registry} (${why}).`, {
      registry: ref.registry,
      cause,
      hint: `Check this machine's network and that ${new URL(url).origin} is up.`,
    });
  }

  error(
    ref: ImageRef,
    reason: RegistryFailure,
    what: string,
    f: { status?: number; hint?: string; detail?: string } = {},
  ): RegistryError {
    return new RegistryError(reason, `The image registry ${ref.registry} ${what}.`, { registry: ref.registry, ...f });
  }
}

function withToken(headers: Record<string, string>, token: string | undefined): Record<string, string> {
  return token === undefined ? headers : { ...headers, authorization: `Bearer ${token}` };
}

/** The `errors[].code` of a registry's JSON error body (`NAME_UNKNOWN`, `MANIFEST_UNKNOWN`). */
function errorCodes(text: string): string[] {
  try {
    const body = JSON.parse(text) as { errors?: { code?: unknown }[] };
    return (body.errors ?? []).map((e) => e.code).filter((c): c is string => typeof c === 'string');
  } catch {
    return [];
  }
}

/** fetch's "fetch failed" in words: refused, no such host, timed out, reset. */
export function describeFetchFailure(cause: unknown, timeoutMs: number): string {
  const e = cause as { name?: string; cause?: { code?: string } } | undefined;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  const code = e?.cause?.code;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'no such host',
    EAI_AGAIN: 'name lookup failed',
    ECONNRESET: 'connection reset',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    UND_ERR_SOCKET: 'connection closed',
  };
  return code === undefined ? (cause instanceof Error ? cause.message : String(cause)) : (words[code] ?? code);
}

function snippet(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}
