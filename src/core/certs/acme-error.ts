// What went wrong when certbot could not get a certificate, read from its own words (stderr or
// its log): the kind of failure an admin acts on, and the ACME server's message kept verbatim.
// certbot's output holds no secret (the account key never appears), so quoting it is safe.

export type AcmeFailureKind = 'ca-unreachable' | 'rate-limited' | 'challenge-failed' | 'account' | 'other';

export interface FailedChallenge {
  /** The public name that failed validation. */
  name: string;
  /** The ACME problem type, e.g. "connection", "unauthorized", "dns". */
  type: string;
  /** The CA's own words. */
  detail: string;
}

export interface AcmeFailure {
  kind: AcmeFailureKind;
  /** One line: the CA's (or the connection's) message. */
  message: string;
  /** The challenge type certbot answered (webroot → http-01), when validation failed. */
  challenge?: string;
  challenges: FailedChallenge[];
}

const ACME_URN = /urn:ietf:params:acme:error:([A-Za-z]+)(?:\s*::\s*|:\s*)?(.*)/;
const UNREACHABLE = [
  /Failed to establish a new connection/,
  /Max retries exceeded/,
  /Connection refused/,
  /Name or service not known/,
  /Temporary failure in name resolution/,
  /Read timed out/,
  /Connection reset/,
  /CERTIFICATE_VERIFY_FAILED/,
];
const ACCOUNT_TYPES = new Set([
  'accountDoesNotExist',
  'externalAccountRequired',
  'invalidContact',
  'unsupportedContact',
  'userActionRequired',
]);

/** Reads certbot's output; returns a kind of 'other' with the last meaningful line when nothing is recognised. */
export function classifyCertbotFailure(text: string): AcmeFailure {
  const challenges = failedChallenges(text);
  if (challenges.length > 0 || /failed to authenticate some domains/.test(text)) {
    const first = challenges[0];
    const message =
      first === undefined ? 'the CA could not validate the challenge' : `${first.name}: ${first.type}: ${first.detail}`;
    return { kind: 'challenge-failed', message, challenge: challengeType(text), challenges };
  }
  const urn = lastMatch(text, ACME_URN);
  if (urn !== undefined) {
    const [, type = '', detail = ''] = urn;
    const message = `${type}: ${detail.trim()}`.replace(/:\s*$/, '');
    if (type === 'rateLimited') return { kind: 'rate-limited', message, challenges };
    if (ACCOUNT_TYPES.has(type) || /account/i.test(detail)) return { kind: 'account', message, challenges };
    if (type === 'connection' || type === 'dns')
      return { kind: 'challenge-failed', message, challenge: challengeType(text), challenges };
    return { kind: 'other', message, challenges };
  }
  if (/Account .*does not exist|Unable to register an account|account.*(deactivated|not found)/i.test(text)) {
    return { kind: 'account', message: lastMeaningfulLine(text), challenges };
  }
  if (UNREACHABLE.some((re) => re.test(text)))
    return { kind: 'ca-unreachable', message: unreachableMessage(text), challenges };
  return { kind: 'other', message: lastMeaningfulLine(text), challenges };
}

/** certbot's report: "Identifier: NAME / Type: TYPE / Detail: TEXT" (older versions say "Domain:"). */
export function failedChallenges(text: string): FailedChallenge[] {
  const out: FailedChallenge[] = [];
  const re = /(?:Identifier|Domain):\s*(\S+)\s*\n\s*Type:\s*(\S+)\s*\n\s*Detail:\s*(.+)/g;
  for (const m of text.matchAll(re)) {
    const [, name = '', type = '', detail = ''] = m;
    if (!out.some((c) => c.name === name && c.type === type)) out.push({ name, type, detail: detail.trim() });
  }
  return out;
}

function challengeType(text: string): string {
  // NOTE: certbot's debug log lists every challenge the CA offered; the one answered reads "<type> challenge for".
  const m = /\b(http-01|dns-01|tls-alpn-01) challenge for\b/.exec(text);
  return m?.[1] ?? 'http-01';
}

function unreachableMessage(text: string): string {
  const where = /HTTPSConnectionPool\(host='([^']+)', port=(\d+)\)/.exec(text);
  const why =
    /(Failed to establish a new connection: [^"')]+|Read timed out[^"')]*|Name or service not known|Temporary failure in name resolution|Connection reset[^"')]*|CERTIFICATE_VERIFY_FAILED[^"')]*)/.exec(
      text,
    )?.[1];
  if (where === null) return why ?? lastMeaningfulLine(text);
  return `cannot reach the ACME server at ${where[1] ?? ''}:${where[2] ?? ''}${why === undefined ? '' : `: ${why.trim()}`}`;
}

function lastMatch(text: string, re: RegExp): RegExpExecArray | undefined {
  let found: RegExpExecArray | undefined;
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (m !== null) found = m;
  }
  return found;
}

/** The last line that says something (not a traceback frame, not certbot's "ask for help" footer). */
export function lastMeaningfulLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) =>
        l !== '' &&
        !/^(File |Traceback|~|\^|\.\.\.|Ask for help|Saving debug log|See the logfile|An unexpected error occurred)/.test(
          l,
        ),
    );
  return (lines.at(-1) ?? 'certbot gave no reason').slice(0, 500);
}
