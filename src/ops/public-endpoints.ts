// What a user's browser or client reaches through the public names (nginx, TLS verified): the
// web client's page and config.json, and Synapse's /health. Each returns a one-line detail or
// throws an Error naming the URL and what went wrong. Shared by the upgrade gate and `check`.
import { httpFetch, describeNetworkError } from '../adapters/http.ts';
import type { HttpResponse } from '../adapters/http.ts';
import type { Deps } from './deps.ts';

export type PublicDeps = Pick<Deps, 'deployment' | 'publicHttp'>;

async function get(d: PublicDeps, url: string): Promise<HttpResponse> {
  const res = await httpFetch(url, {}, { ...d.publicHttp, timeoutMs: 10_000 }).catch((e: unknown) => {
    throw new Error(`${url}: ${describeNetworkError(e)}`);
  });
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return res;
}

/** The web client's page (`path` under the Element host). */
export async function elementPage(d: PublicDeps, path: string): Promise<string> {
  const url = `https://${d.deployment.settings.MX_ELEMENT_HOST}${path}`;
  const res = await get(d, url);
  return `${url}: HTTP 200, ${res.body.length} bytes`;
}

/** The web client's config.json: it must parse, or the client shows an error page. */
export async function elementConfig(d: PublicDeps): Promise<string> {
  const url = `https://${d.deployment.settings.MX_ELEMENT_HOST}/config.json`;
  const res = await get(d, url);
  try {
    JSON.parse(res.text());
  } catch {
    throw new Error(`${url}: HTTP 200 but not JSON`);
  }
  return `${url}: HTTP 200, JSON`;
}

/** Synapse's /health through nginx: "OK" (it says nothing about the database; see DESIGN §6). */
export async function synapseHealth(d: PublicDeps): Promise<string> {
  const url = `https://${d.deployment.settings.MX_MATRIX_HOST}/health`;
  const res = await get(d, url);
  const body = res.text().trim();
  if (body !== 'OK') throw new Error(`${url}: HTTP 200 but "${body.slice(0, 40)}"`);
  return `${url}: HTTP 200 OK`;
}
