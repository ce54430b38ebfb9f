import { createHash } from 'node:crypto';
import type { KeyPair } from 'nkeys.js';
import { fromPublic, fromSeed } from 'nkeys.js';

/*
 * NATS JWTs (v2), encoded with nkeys.js. `@nats-io/jwt` is 0.0.x and says it
 * is no supported API; the format is small and fixed by nats-io/jwt v2
 * (claims.go, doEncode): a header, the claims, an ed25519 signature by the
 * issuer's nkey, each base64url without padding. The real nats-server
 * verifies every kind minted here (test/e2e/jwt-mode.test.ts).
 */

const HEADER = { typ: 'JWT', alg: 'ed25519-nkey' } as const;

/** The key pair of an nkey seed (`SO...`, `SA...`, `SU...`): what signs the JWTs minted here. */
export const keyPairOf = (seed: string): KeyPair => fromSeed(new TextEncoder().encode(seed));
/** The public key of an nkey seed. */
export const publicKeyOf = (seed: string): string => keyPairOf(seed).getPublicKey();

/** The fields every NATS claim carries (nats-io/jwt v2 ClaimsData), in Go's order. */
export interface ClaimsData {
  /** Only in an authorization response: the server it answers (nats-server checks it). */
  readonly aud?: string;
  readonly jti: string;
  readonly iat: number;
  readonly iss: string;
  readonly name: string;
  readonly sub: string;
  readonly nats: NatsClaim;
}

/** The `nats` part: what kind of token it is, and its kind's fields. */
export interface NatsClaim {
  readonly type: 'operator' | 'account' | 'user' | 'authorization_request' | 'authorization_response';
  readonly version: 2;
  readonly [field: string]: unknown;
}

const b64url = (data: Uint8Array | string): string => Buffer.from(data).toString('base64url');

/**
 * The JWT ID nats-io/jwt v2 writes: SHA-512/256 of the JSON of the common
 * claim fields (without `jti` and without `nats`), base32 without padding.
 * The server does not check it; we write it the same way so tokens are
 * indistinguishable from nsc's.
 */
export function jwtId(claims: { readonly aud?: string; readonly iat: number; readonly iss: string; readonly name: string; readonly sub: string }): string {
  const json = JSON.stringify({ ...(claims.aud ? { aud: claims.aud } : {}), iat: claims.iat, iss: claims.iss, name: claims.name, sub: claims.sub });
  return base32(createHash('sha512-256').update(json).digest());
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? out + ALPHABET[(value << (5 - bits)) & 31] : out;
}

/**
 * Signs `nats` for subject `sub` with `issuer`'s key. `iat` is the issue
 * time in seconds: a revocation refuses every token of a key issued at or
 * before its timestamp (nats-io/jwt v2 RevocationList.IsRevoked).
 */
export function encodeJwt(issuer: KeyPair, fields: { readonly aud?: string; readonly sub: string; readonly name: string; readonly iat: number; readonly nats: NatsClaim }): string {
  const iss = issuer.getPublicKey();
  const aud = fields.aud ? { aud: fields.aud } : {};
  const claims: ClaimsData = { ...aud, jti: jwtId({ ...fields, iss }), iat: fields.iat, iss, name: fields.name, sub: fields.sub, nats: fields.nats };
  const signed = `${b64url(JSON.stringify(HEADER))}.${b64url(JSON.stringify(claims))}`;
  return `${signed}.${b64url(issuer.sign(new TextEncoder().encode(signed)))}`;
}

/** Thrown for a token that is malformed or whose signature does not verify. */
export class JwtError extends Error {}

/**
 * The claims of `token` once its signature verifies against its own `iss`
 * key. Whether that issuer may sign it (the chain) is the caller's check.
 */
export function decodeJwt(token: string): ClaimsData {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('not a JWT: expected three dot-separated parts');
  let header: unknown;
  let claims: ClaimsData;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as ClaimsData;
  } catch {
    throw new JwtError('not a JWT: its header or claims are not JSON');
  }
  const h = header as { typ?: unknown; alg?: unknown };
  if (h?.typ !== HEADER.typ || h.alg !== HEADER.alg) throw new JwtError(`not a NATS v2 JWT: header ${JSON.stringify(header)}`);
  if (typeof claims?.iss !== 'string' || typeof claims.sub !== 'string' || typeof claims.nats !== 'object' || claims.nats === null) {
    throw new JwtError('not a NATS JWT: iss, sub or nats missing');
  }
  let valid = false;
  try {
    valid = fromPublic(claims.iss).verify(new TextEncoder().encode(`${parts[0]}.${parts[1]}`), Buffer.from(parts[2], 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) throw new JwtError(`the signature of ${claims.nats.type} JWT "${claims.name}" does not verify against its issuer ${claims.iss}`);
  return claims;
}
