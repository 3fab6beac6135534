// The restore's pre-flight: what must hold before anything is changed. Pure judgement of the
// manifest (and what reading the archive found) against this deployment's settings.
import { MxError } from '../../core/errors.ts';
import { judgeSchema } from '../../core/backup/schema-compat.ts';
import type { Manifest } from '../../core/backup/manifest.ts';
import type { Settings } from '../../core/settings.ts';

export interface PreflightItem {
  name: string;
  ok: boolean;
  detail: string;
}

export function preflightItems(
  s: Settings,
  m: Manifest,
  problems: readonly string[],
  stagedSigningKey: boolean,
): PreflightItem[] {
  const schema = judgeSchema({ version: m.schema_version, compat: m.schema_compat_version }, s.SYNAPSE_IMAGE);
  return [
    {
      name: 'archive decrypts and every checksum matches',
      ok: problems.length === 0,
      detail:
        problems.length === 0
          ? `${m.files.length} files, ${m.database.size} bytes of dump`
          : problems.slice(0, 5).join('; '),
    },
    {
      name: 'server name matches',
      ok: m.server_name === s.MX_SERVER_NAME,
      detail: `backup ${m.server_name}, deployment ${s.MX_SERVER_NAME}`,
    },
    {
      name: 'signing key present',
      ok: stagedSigningKey,
      detail: stagedSigningKey
        ? `synapse/${m.server_name}.signing.key`
        : 'the archive has no signing key: Synapse would silently make a new one',
    },
    { name: 'schema runnable by the pinned Synapse', ok: schema.ok, detail: schema.detail },
  ];
}

export function refusal(id: string, failed: readonly PreflightItem[]): MxError {
  return new MxError(
    'E_RESTORE_REFUSED',
    `Restore of ${id} refused before any change: ${failed.map((f) => `${f.name} (${f.detail})`).join('; ')}.`,
    {
      hint: 'Nothing was changed. Pick another backup (`mxctl backup list`) or fix what is named above.',
    },
  );
}
