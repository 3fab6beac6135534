// Media: a user's uploads, quarantine, delete, and purging the cache of remote media.
import { MxError } from '../../core/errors.ts';
import { parseServerName } from '../../core/admin/ids.ts';
import { formatTimestamp, parseDuration } from '../../core/admin/duration.ts';
import type { MediaEntry } from '../../adapters/synapse-admin.ts';
import { localUser } from './users.ts';
import { approve } from './session.ts';
import type { AdminSession } from './session.ts';

/** mxc://server/media_id → its parts. */
export function parseMxc(text: string): { origin: string; mediaId: string } {
  const m = /^mxc:\/\/([^/]+)\/([A-Za-z0-9_-]+)$/.exec(text.trim());
  if (m === null) throw new MxError('E_INVALID_INPUT', `"${text}" is not a media URI.`, { hint: 'A media URI looks like mxc://example.org/AbCdEf123 (`mxctl media list @user` shows them).' });
  return { origin: parseServerName(m[1] ?? ''), mediaId: m[2] ?? '' };
}

export async function listUserMedia(s: AdminSession, user: string, o: { limit?: number } = {}): Promise<{ userId: string; media: (MediaEntry & { mxc: string })[]; total: number }> {
  const userId = localUser(s, user);
  const media: MediaEntry[] = [];
  let from: string | undefined;
  let total: number;
  for (;;) {
    const page = await s.reads.userMedia(userId, { limit: o.limit === undefined ? 500 : Math.min(500, o.limit - media.length), ...(from === undefined ? {} : { from }) });
    media.push(...page.media);
    total = page.total;
    from = page.next_token;
    if (from === undefined || page.media.length === 0 || (o.limit !== undefined && media.length >= o.limit)) break;
  }
  return { userId, media: media.map((m) => ({ ...m, mxc: `mxc://${s.serverName}/${m.media_id}` })), total };
}

export async function quarantineMedia(s: AdminSession, target: string): Promise<{ target: string; quarantined: number; dryRun: boolean }> {
  if (target.startsWith('@')) {
    const userId = localUser(s, target);
    await s.reads.getUser(userId);
    await approve(s, `Quarantine all media uploaded by ${userId}?`);
    return { target: userId, quarantined: await s.writes.quarantineUserMedia(userId), dryRun: s.dryRun };
  }
  const { origin, mediaId } = parseMxc(target);
  await approve(s, `Quarantine ${target}?`);
  await s.writes.quarantineMedia(origin, mediaId);
  return { target, quarantined: 1, dryRun: s.dryRun };
}

export async function deleteMedia(s: AdminSession, mxc: string): Promise<{ target: string; deleted: number; dryRun: boolean }> {
  const { origin, mediaId } = parseMxc(mxc);
  if (origin !== s.serverName) throw new MxError('E_INVALID_INPUT', `${mxc} is remote media; only this server's media can be deleted.`, { hint: 'Cached remote media goes with `mxctl media purge-remote --older-than 30d`.' });
  await approve(s, `Delete ${mxc} from the media store? This cannot be undone`);
  return { target: mxc, deleted: await s.writes.deleteMedia(origin, mediaId), dryRun: s.dryRun };
}

export async function purgeRemoteMedia(s: AdminSession, olderThan: string): Promise<{ before: string; deleted: number; dryRun: boolean }> {
  const ms = parseDuration(olderThan, '--older-than');
  if (ms === 0) throw new MxError('E_INVALID_INPUT', '--older-than must be more than zero.');
  const beforeTs = s.now() - ms;
  await approve(s, `Delete cached remote media not accessed since ${formatTimestamp(beforeTs)}?`);
  return { before: formatTimestamp(beforeTs), deleted: await s.writes.purgeRemoteMedia(beforeTs), dryRun: s.dryRun };
}
