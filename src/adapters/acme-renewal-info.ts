// Asks the CA for a certificate's renewal window (ARI) from inside the certbot sidecar, with
// certbot's own ACME library: the same network path, CA trust and directory URL that certbot's
// renewals use, and the certID computed by the code certbot itself relies on.
import { parseRenewalInfo } from '../core/certs/renewal-info.ts';
import type { RenewalInfo } from '../core/certs/renewal-info.ts';
import type { Compose } from './compose.ts';

// NOTE: `_renewal_info_path_component` is acme's (certbot ≥ 4.1) certID of RFC 9773 §4.1; the
// probe prints one line of JSON, and only a GET is made (no account key is needed).
const PROBE = `
import json, os, sys
try:
    from acme import client, messages
    from cryptography import x509
    cert = x509.load_pem_x509_certificate(open('/etc/letsencrypt/live/%s/cert.pem' % sys.argv[1], 'rb').read())
    net = client.ClientNetwork(None, user_agent='mxctl-certs-status')
    directory = messages.Directory.from_json(net.get(os.environ['ACME_SERVER']).json())
    try:
        base = directory['renewalInfo']
    except KeyError:
        print(json.dumps({'offered': False, 'reason': 'the CA offers no renewal info (no renewalInfo in its directory)'}))
        sys.exit(0)
    info = net.get(base + '/' + client._renewal_info_path_component(cert), content_type='application/json').json()
    print(json.dumps({'offered': True, 'window': info.get('suggestedWindow'), 'explanationURL': info.get('explanationURL')}))
except Exception as e:
    print(json.dumps({'error': '%s: %s' % (type(e).__name__, e)}))
`;

export async function fetchRenewalInfo(compose: Compose, certName: string): Promise<RenewalInfo | { error: string }> {
  try {
    const r = await compose.exec('certbot', ['python3', '-c', PROBE, certName], { timeoutMs: 30_000 });
    return parseRenewalInfo(r.stdout);
  } catch (error) {
    return { error: `the certbot sidecar could not ask the CA: ${(error as Error).message}` };
  }
}
