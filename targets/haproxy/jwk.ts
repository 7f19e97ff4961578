/**
 * JWKS → one PEM public key, for HAProxy 2.6's `jwt_verify`, which reads a key file and has no JWKS
 * support.
 * @module
 */
import { createPublicKey } from 'node:crypto';

/** A key HAProxy can verify with. */
export interface PemKey {
  /** The JWS algorithm tokens must use (RS256/384/512, ES256/384/512). */
  alg: string;
  /** SubjectPublicKeyInfo PEM. */
  pem: string;
  /** The key's `kid`, when it has one. */
  kid?: string;
}

const RSA_ALGS = new Set(['RS256', 'RS384', 'RS512']);
const EC_ALGS: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

/**
 * Picks the JWKS's single signing key usable by HAProxy and converts it to PEM, or says why not.
 * A key is usable when its `kty` is RSA or EC, its `use` is `sig` or absent, and its `alg` (if any)
 * is one HAProxy 2.6 implements and fits the key.
 */
export function jwksToPem(jwks: string): PemKey | { error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(jwks);
  } catch {
    return { error: 'the JWKS is not valid JSON' };
  }
  const keys = (doc as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) return { error: 'the JWKS has no "keys" array' };
  const usable: PemKey[] = [];
  const skipped: string[] = [];
  for (const k of keys as Record<string, unknown>[]) {
    if (typeof k !== 'object' || k === null) continue;
    const kty = k.kty;
    const use = k.use;
    const alg = typeof k.alg === 'string' ? k.alg : undefined;
    if (use !== undefined && use !== 'sig') continue;
    let want: string | undefined;
    if (kty === 'RSA') {
      want = alg ?? 'RS256';
      if (!RSA_ALGS.has(want)) {
        skipped.push(`${want} (HAProxy 2.6 verifies only RS256/384/512 and ES256/384/512)`);
        continue;
      }
    } else if (kty === 'EC') {
      const crv = typeof k.crv === 'string' ? EC_ALGS[k.crv] : undefined;
      if (!crv) {
        skipped.push(`an EC key on curve ${String(k.crv)}`);
        continue;
      }
      want = alg ?? crv;
      if (want !== crv) {
        skipped.push(`${want} on curve ${String(k.crv)}`);
        continue;
      }
    } else continue;
    const pub: Record<string, unknown> = { kty };
    for (const f of kty === 'RSA' ? ['n', 'e'] : ['crv', 'x', 'y']) pub[f] = k[f];
    try {
      const pem = createPublicKey({ key: pub as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
      const key: PemKey = { alg: want, pem };
      if (typeof k.kid === 'string') key.kid = k.kid;
      usable.push(key);
    } catch {
      skipped.push('a malformed key');
    }
  }
  if (usable.length === 1) return usable[0]!;
  if (usable.length === 0) {
    return { error: skipped.length > 0 ? `the JWKS has no key HAProxy can use (it has ${skipped.join(', ')})` : 'the JWKS has no RSA or EC signing key' };
  }
  return { error: `the JWKS has ${usable.length} signing keys; HAProxy 2.6 verifies against exactly one` };
}
