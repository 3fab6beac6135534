// Media: a user's uploads, quarantine, delete, and purging the cache of remote media.
import { MxError } from '../../core/errors.ts';
import { parseServerName } from '../../core/admin/ids.ts';
import { formatTimestamp, parseDuration } from '../../core/admin/duration.ts';
import type { MediaEntry } from '../../adapters/synapse-admin.ts';
import { localUser, serverNameOf } from './users.ts';
import type { Deps } from '../deps.ts';

export type MediaDeps = Pick<Deps, 'deployment' | 'admin' | 'approve' | 'clock' | 'progress'>;

/** mxc://server/media_id → its parts. */
export function parseMxc(text: string): { origin: string; mediaId: string } {
  const m = /^mxc:\/\/([^/]+)\/([A-Za-z0-9_-]+)$/.exec(text.trim());
  if (m === null)
    throw new MxError('E_INVALID_INPUT', `"${text}" is not a media URI.`, {
      hint: 'A media URI looks like mxc://example.org/AbCdEf123 (`mxctl media list @user` shows them).',
    });
  return { origin: parseServerName(m[1] ?? ''), mediaId: m[2] ?? '' };
}

export interface MediaList {
  userId: string;
  media: (MediaEntry & { mxc: string })[];
  total: number;
  stopped?: string;
}

export async function listUserMedia(o: { user: string; limit?: number }, d: MediaDeps): Promise<MediaList> {
  const userId = localUser(d, o.user);
  const r = await d.admin.reads.userMedia(userId, { limit: o.limit, progress: d.progress.step });
  const media = r.items.map((m) => ({ ...m, mxc: `mxc://${serverNameOf(d)}/${m.media_id}` }));
  return { userId, media, total: r.total, ...(r.stopped === undefined ? {} : { stopped: r.stopped }) };
}

export async function quarantineMedia(
  o: { target: string },
  d: MediaDeps,
): Promise<{ target: string; quarantined: number; dryRun: boolean }> {
  const { target } = o;
  if (target.startsWith('@')) {
    const userId = localUser(d, target);
    await d.admin.reads.getUser(userId);
    await d.approve(`Quarantine all media uploaded by ${userId}?`);
    return { target: userId, quarantined: await d.admin.writes.quarantineUserMedia(userId), dryRun: d.admin.dryRun };
  }
  const { origin, mediaId } = parseMxc(target);
  await d.approve(`Quarantine ${target}?`);
  await d.admin.writes.quarantineMedia(origin, mediaId);
  return { target, quarantined: 1, dryRun: d.admin.dryRun };
}

export async function deleteMedia(
  o: { mxc: string },
  d: MediaDeps,
): Promise<{ target: string; deleted: number; dryRun: boolean }> {
  const { mxc } = o;
  const { origin, mediaId } = parseMxc(mxc);
  if (origin !== serverNameOf(d))
    throw new MxError('E_INVALID_INPUT', `${mxc} is remote media; only this server's media can be deleted.`, {
      hint: 'Cached remote media goes with `mxctl media purge-remote --older-than 30d`.',
    });
  await d.approve(`Delete ${mxc} from the media store? This cannot be undone`);
  return { target: mxc, deleted: await d.admin.writes.deleteMedia(origin, mediaId), dryRun: d.admin.dryRun };
}

export async function purgeRemoteMedia(
  o: { olderThan: string },
  d: MediaDeps,
): Promise<{ before: string; deleted: number; dryRun: boolean }> {
  const ms = parseDuration(o.olderThan, '--older-than');
  if (ms === 0) throw new MxError('E_INVALID_INPUT', '--older-than must be more than zero.');
  const beforeTs = d.clock.now().getTime() - ms;
  await d.approve(`Delete cached remote media not accessed since ${formatTimestamp(beforeTs)}?`);
  return {
    before: formatTimestamp(beforeTs),
    deleted: await d.admin.writes.purgeRemoteMedia(beforeTs),
    dryRun: d.admin.dryRun,
  };
}
