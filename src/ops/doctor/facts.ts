// What every check reads, gathered once per doctor run: the compose state, container facts,
// homeserver.yaml as text and parsed (or its syntax error).
import { modifiedAt, readText } from '../../adapters/fs.ts';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { ComposeServiceState } from '../../adapters/compose.ts';
import { inspectContainers } from '../../adapters/docker-inspect.ts';
import type { ContainerFacts } from '../../adapters/docker-inspect.ts';
import type { Deps } from '../deps.ts';

/** What doctor reads: the stack, Synapse locally and through nginx, and the clock. */
export type DoctorDeps = Pick<Deps, 'deployment' | 'compose' | 'synapse' | 'publicHttp' | 'clock'>;

export interface HomeserverConfig {
  path: string;
  text: string;
  modified: Date;
  /** Parsed config, or undefined when the YAML does not parse. */
  config: Record<string, unknown> | undefined;
  syntaxError?: string;
}

export interface DoctorOptions {
  /** Log lines newer than this (or than Synapse's last start, whichever is later) fail; default 15 min. */
  logWindowMs?: number;
}

export interface DoctorFacts {
  o: DoctorOptions;
  d: DoctorDeps;
  services: ComposeServiceState[];
  containers: Map<string, ContainerFacts>;
  homeserver: HomeserverConfig;
  now: Date;
}

export async function readHomeserver(root: string): Promise<HomeserverConfig> {
  const path = join(root, 'synapse', 'homeserver.yaml');
  const [text, modified] = await Promise.all([readText(path), modifiedAt(path)]);
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const where = e?.linePos?.[0] === undefined ? '' : ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}`;
    return {
      path,
      text,
      modified,
      config: undefined,
      syntaxError: `${e?.code ?? 'YAML error'}${where}: ${(e?.message ?? '').split('\n')[0]}`,
    };
  }
  const config = doc.toJS() as unknown;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return { path, text, modified, config: undefined, syntaxError: 'the file is not a YAML mapping' };
  }
  return { path, text, modified, config: config as Record<string, unknown> };
}

export async function gatherFacts(o: DoctorOptions, d: DoctorDeps): Promise<DoctorFacts> {
  const now = d.clock.now();
  const [services, homeserver] = await Promise.all([d.compose.ps(), readHomeserver(d.deployment.root)]);
  const inspected = new Map((await inspectContainers(services.map((s) => s.container))).map((c) => [c.name, c]));
  const containers = new Map<string, ContainerFacts>();
  for (const s of services) {
    const c = inspected.get(s.container);
    if (c !== undefined) containers.set(s.service, c);
  }
  return { o, d, services, containers, homeserver, now };
}

/** A dotted path into the parsed homeserver config. */
export function hsValue(f: DoctorFacts, path: string): unknown {
  let v: unknown = f.homeserver.config;
  for (const k of path.split('.'))
    v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

export function isRunning(f: DoctorFacts, service: string): boolean {
  return f.services.some((s) => s.service === service && s.state === 'running');
}
