// Which deployment files go into a backup: everything under the deployment folder except the
// backups themselves, restore staging, and Synapse's re-fetchable caches (remote media, URL
// previews). homeserver.yaml's referenced files are checked against that list. Pure.
import { parse as parseYaml } from 'yaml';

/** media_store entries that are caches (synapse-ops-facts §1): re-fetched on demand, never backed up. */
const MEDIA_CACHES = new Set([
  'remote_content',
  'remote_thumbnail',
  'remote_thumbnails',
  'url_cache',
  'url_cache_thumbnails',
]);

export function isExcluded(rel: string, excludedDirs: readonly string[]): boolean {
  if (excludedDirs.some((d) => rel === d || rel.startsWith(`${d}/`))) return true;
  const top = rel.split('/')[0] ?? '';
  // drills/: a restore drill's throwaway copy (mxctl restore-test), never part of the deployment.
  if (top.startsWith('.restore-') || top === '.mxctl-backup.lock' || top === 'drills') return true;
  if (rel === 'synapse/homeserver.pid') return true;
  const m = /^synapse\/media_store\/([^/]+)/.exec(rel);
  return m !== null && MEDIA_CACHES.has(m[1] ?? '');
}

/** Paths homeserver.yaml (its text) names (container paths), by its *_path keys, log_config and appservice files. */
export function referencedPaths(homeserverYaml: string | undefined): string[] {
  let doc: unknown;
  try {
    doc = homeserverYaml === undefined ? undefined : parseYaml(homeserverYaml);
  } catch {
    return [];
  }
  const found = new Set<string>();
  const visit = (value: unknown, key: string): void => {
    if (typeof value === 'string') {
      if (
        (key.endsWith('_path') || key === 'log_config' || key === 'app_service_config_files') &&
        value.startsWith('/')
      )
        found.add(value);
    } else if (Array.isArray(value)) {
      for (const v of value) visit(v, key);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(doc, '');
  found.delete('/data/homeserver.pid');
  return [...found].sort();
}

/** Where a container path from homeserver.yaml lives in the deployment (synapse/ is mounted at /data). */
export function hostPathOf(containerPath: string): string | undefined {
  if (containerPath === '/data') return 'synapse';
  return containerPath.startsWith('/data/') ? `synapse/${containerPath.slice('/data/'.length)}` : undefined;
}

/** `isExcluded`'s rules as restic --exclude patterns, anchored at the deployment folder `root`
 * (restic matches them against absolute paths). Keep the two in step. */
export function excludePatterns(root: string, excludedDirs: readonly string[]): string[] {
  return [
    ...excludedDirs,
    '.restore-*',
    '.mxctl-backup.lock',
    'drills',
    'synapse/homeserver.pid',
    ...[...MEDIA_CACHES].map((c) => `synapse/media_store/${c}`),
  ].map((rel) => `${root.replace(/\/$/, '')}/${rel}`);
}
