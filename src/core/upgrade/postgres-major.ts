// What a PostgreSQL major upgrade decides without I/O: which volume and mount point the cluster
// uses (settings, with the defaults compose applies), the name of the new volume, the mount
// point a major's image expects, and which roles of the old cluster's `pg_dumpall --roles-only`
// the new cluster takes (its entrypoint already made POSTGRES_USER). Pure.
import type { Settings } from '../settings.ts';
import { parseTagVersion } from './versions.ts';

/** The volume the cluster lives in now: POSTGRES_VOLUME, or compose's default name. */
export function postgresVolume(s: Pick<Settings, 'POSTGRES_VOLUME' | 'COMPOSE_PROJECT_NAME'>): string {
  return s.POSTGRES_VOLUME === '' ? `${s.COMPOSE_PROJECT_NAME}_postgres-data` : s.POSTGRES_VOLUME;
}

/** Where the volume is mounted now: POSTGRES_DATA_MOUNT, or compose's default. */
export function postgresMount(s: Pick<Settings, 'POSTGRES_DATA_MOUNT'>): string {
  return s.POSTGRES_DATA_MOUNT === '' ? '/var/lib/postgresql' : s.POSTGRES_DATA_MOUNT;
}

/**
 * The official image keeps PGDATA in /var/lib/postgresql/data up to 17 (also its VOLUME) and in
 * /var/lib/postgresql/MAJOR/docker from 18 on, under a volume at /var/lib/postgresql: mounting
 * the volume anywhere else leaves the data in an anonymous volume that a recreate throws away.
 */
export function mountForMajor(major: number): string {
  return major >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data';
}

/** The major version a postgres image tag names (`15`, `18.1`, `17-bookworm`), or undefined. */
export function majorOfTag(tag: string | undefined): number | undefined {
  if (tag === undefined) return undefined;
  return parseTagVersion(tag)?.parts[0];
}

/** `PROJECT_pg18-20261204-183000`: the major and the journal id's time, so a retry never collides. */
export function newVolumeName(project: string, major: number, journalId: string): string {
  const stamp = /^(\d{8}-\d{6})/.exec(journalId)?.[1] ?? journalId;
  return `${project}_pg${major}-${stamp}`;
}

/**
 * The roles dump with the superuser's `CREATE ROLE` left out: the new cluster's entrypoint made
 * that role, and creating it again is an error. Its `ALTER ROLE ... PASSWORD` stays, so the
 * password hash Synapse logs in with is the old cluster's, byte for byte.
 */
export function rolesForNewCluster(rolesSql: string, superuser: string): string {
  const create = new RegExp(`^CREATE ROLE (?:${superuser}|"${superuser}");$`);
  return rolesSql
    .split('\n')
    .filter((line) => !create.test(line))
    .join('\n');
}

/** `server_version_num` (150014, 180001) → the major (15, 18). */
export function majorOfVersionNum(num: number): number {
  return Math.floor(num / 10_000);
}
