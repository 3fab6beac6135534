// certbot's renewal/<lineage>.conf (configobj syntax): top-level `key = value` lines, then
// [renewalparams] and [[webroot_map]]. Only what `certs status` reports is read; a file that is
// not such a config is an error naming the line, because certbot would skip that lineage's renewal.

export interface RenewalConf {
  server: string | undefined;
  authenticator: string | undefined;
  account: string | undefined;
  /** renew_before_expiry overrides certbot's 2/3-of-lifetime rule when set. */
  renewBeforeExpiry: string | undefined;
  preferredProfile: string | undefined;
  webrootNames: string[];
}

export type RenewalConfResult = { ok: true; conf: RenewalConf } | { ok: false; error: string };

export function parseRenewalConf(text: string): RenewalConfResult {
  const top = new Map<string, string>();
  const params = new Map<string, string>();
  const webroot: string[] = [];
  let section = '';
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^(\[+)\s*([\w.-]+)\s*\]+$/.exec(line);
    if (header !== null) {
      section = header[2] ?? '';
      continue;
    }
    const kv = /^([^=\s][^=]*?)\s*=\s*(.*)$/.exec(line);
    if (kv === null)
      return { ok: false, error: `line ${i + 1} is neither "key = value" nor a [section]: ${line.slice(0, 80)}` };
    const [, key = '', value = ''] = kv;
    if (section === '') top.set(key, value);
    else if (section === 'renewalparams') params.set(key, value);
    else if (section === 'webroot_map') webroot.push(key);
  }
  if (!top.has('fullchain') && !params.has('authenticator'))
    return { ok: false, error: 'it names no certificate (no fullchain) and no authenticator' };
  return {
    ok: true,
    conf: {
      server: params.get('server'),
      authenticator: params.get('authenticator'),
      account: params.get('account'),
      renewBeforeExpiry: top.get('renew_before_expiry'),
      preferredProfile: params.get('preferred_profile'),
      webrootNames: webroot,
    },
  };
}
