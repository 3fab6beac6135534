// The TLS trust of this process: Node's own roots plus an extra CA (pebble's in the lab, a private
// CA on some servers), built once per CA.
// WHY cached: a `ca` option makes a new secure context, parsing all ~145 roots again, for every
// connection (tens of ms of CPU and a burst of garbage each); the monitor opens several a pass.
import { createSecureContext, rootCertificates } from 'node:tls';
import type { SecureContext } from 'node:tls';

const contexts = new Map<string, SecureContext>();

/** The secure context trusting Node's roots and `ca`; undefined (Node's default) without one. */
export function trustWith(ca: string | undefined): SecureContext | undefined {
  if (ca === undefined) return undefined;
  let context = contexts.get(ca);
  if (context === undefined) {
    context = createSecureContext({ ca: [...rootCertificates, ca] });
    contexts.set(ca, context);
  }
  return context;
}
