/**
 * Whether git failed because the server never answered (no DNS name, no connection, a
 * timeout, a broken TLS handshake, a 5xx) rather than because it answered "no such
 * repository" — the two need different words: the first is fixed by a network or a mirror,
 * the second by the `uses:` line. Read from git's (curl's, ssh's) stable messages.
 */

const UNREACHABLE: RegExp[] = [
  /Could not resolve host: [^\s']+/i,
  /Could not resolve hostname [^\s:]+/i,
  /Could not resolve proxy: [^\s']+/i,
  /Failed to connect to [^\s]+ port \d+/i,
  /connect to host [^\s]+ port \d+: [^\n]+/i,
  /Connection refused/i,
  /Connection timed out/i,
  /Operation timed out/i,
  /Network is unreachable/i,
  /No route to host/i,
  /Connection reset by peer/i,
  /Empty reply from server/i,
  /SSL_connect[^\n]*|gnutls_handshake\(\) failed[^\n]*/i,
  /The requested URL returned error: 5\d\d/i,
];

/** The phrase that says why, e.g. `Could not resolve host: github.com`; undefined when the server answered. */
export function unreachableReason(stderr: string): string | undefined {
  for (const pattern of UNREACHABLE) {
    const match = pattern.exec(stderr);
    if (match) return match[0].trim();
  }
  return undefined;
}
