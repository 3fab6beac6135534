// The CA's renewal information (ACME ARI, RFC 9773): a window in which the CA wants the
// certificate renewed. certbot ≥ 4.1 asks for it at each `renew` and renews at a random point in
// the window, sooner than its own 2/3-of-lifetime rule when the CA says so (a revocation coming,
// a shortened lifetime). Pure: the answer is read by adapters/acme-renewal-info.ts.

export type RenewalInfo =
  { offered: true; start: Date; end: Date; explanationUrl: string | undefined } | { offered: false; reason: string };

/** What the probe in the certbot container printed: one line of JSON, or an error in words. */
export function parseRenewalInfo(stdout: string): RenewalInfo | { error: string } {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { error: `the renewal-info probe printed no JSON (${line.slice(0, 120) || 'nothing'})` };
  }
  const o = v as {
    offered?: unknown;
    reason?: unknown;
    error?: unknown;
    window?: { start?: unknown; end?: unknown };
    explanationURL?: unknown;
  };
  if (typeof o.error === 'string') return { error: o.error };
  if (o.offered === false)
    return { offered: false, reason: typeof o.reason === 'string' ? o.reason : 'the CA offers no renewal info' };
  const start = typeof o.window?.start === 'string' ? new Date(o.window.start) : undefined;
  const end = typeof o.window?.end === 'string' ? new Date(o.window.end) : undefined;
  if (o.offered !== true || start === undefined || end === undefined || isNaN(start.getTime()) || isNaN(end.getTime()))
    return { error: `the CA's renewal info is not a window (${line.slice(0, 160)})` };
  if (end.getTime() < start.getTime())
    return { error: `the CA's renewal window ends (${end.toISOString()}) before it starts (${start.toISOString()})` };
  return {
    offered: true,
    start,
    end,
    explanationUrl: typeof o.explanationURL === 'string' ? o.explanationURL : undefined,
  };
}

/**
 * A renewal the CA asked for that has not happened: the window ended (with certbot's grace, as
 * for its own rule) and the certificate is still the one asked about. Undefined when all is well.
 */
export function missedRenewalWindow(info: RenewalInfo, now: Date, graceMs: number): string | undefined {
  if (!info.offered) return undefined;
  if (now.getTime() <= info.end.getTime() + graceMs) return undefined;
  return `the CA asked for a renewal between ${info.start.toISOString()} and ${info.end.toISOString()}, and it has not happened${info.explanationUrl === undefined ? '' : ` (the CA says why: ${info.explanationUrl})`}`;
}
