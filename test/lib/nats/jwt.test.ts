import { createHash } from 'node:crypto';
import type { KeyPair } from 'nkeys.js';
import { createAccount, createOperator, createUser, fromPublic } from 'nkeys.js';
import type { NatsClaim } from '../../../lib/nats/jwt';
import { JwtError, decodeJwt, encodeJwt, jwtId } from '../../../lib/nats/jwt';

// Expectations are derived here, independently of lib/nats/jwt.ts: base64url
// with Buffer, SHA-512/256 with node:crypto, base32 bit by bit (RFC 4648),
// signatures with nkeys.js. Computed inside each test (mutation runs).

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** RFC 4648 base32 without padding, as a string of bits cut in fives. */
function base32(bytes: Uint8Array): string {
  const bits = [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('');
  const padded = bits.padEnd(Math.ceil(bits.length / 5) * 5, '0');
  return padded.match(/.{5}/g)!.map((five) => ALPHABET[parseInt(five, 2)]).join('');
}
/** nats-io/jwt v2's ID: base32 of SHA-512/256 of the common claims' JSON (Go's field order). */
const expectedJti = (iat: number, iss: string, name: string, sub: string): string =>
  base32(createHash('sha512-256').update(`{"iat":${iat},"iss":"${iss}","name":"${name}","sub":"${sub}"}`).digest());

const b64 = (data: string | Uint8Array): string => Buffer.from(data).toString('base64url');
const partText = (token: string, i: number): string => Buffer.from(token.split('.')[i], 'base64url').toString('utf8');
const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A token built by hand: any header, any claims, signed by `signer` (or carrying `signature`). */
function forge(header: unknown, claims: unknown, signer: KeyPair): string {
  const signed = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  return `${signed}.${b64(signer.sign(bytesOf(signed)))}`;
}

const HEADER = { typ: 'JWT', alg: 'ed25519-nkey' };
const T0 = 1_700_000_000;

describe('jwtId', () => {
  test('known vectors, computed outside this code base (Python hashlib sha512_256 + base64.b32encode)', () => {
    expect(jwtId({ iat: 1_700_000_000, iss: 'OAAAA', name: 'harmony-operator', sub: 'OBBBB' })).toBe('4OVYTAMYWCMP35YAUBTCQZMOUUCBABODDURO524YAVJOW4WDSW2Q');
    expect(jwtId({ iat: 1, iss: 'A', name: 'n', sub: 'U' })).toBe('A62564GCL6AVOQVWNIB6TYC6MNVUA4AJI5PCTJJCQR775GFZLQFQ');
  });

  test('is SHA-512/256 of {"iat","iss","name","sub"} in that order, base32 without padding (52 characters)', () => {
    const cases = [
      { iat: T0, iss: 'OISSUER', name: 'harmony-operator', sub: 'OSUBJECT' },
      { iat: 0, iss: 'AX', name: 'SYS', sub: 'AY' },
      { iat: 42, iss: 'AISS', name: 'kv-admin', sub: 'UKEY' },
      { iat: 99_999, iss: 'A2', name: 'billing', sub: 'U7' },
    ];
    for (const c of cases) {
      const id = jwtId(c);
      expect(id).toBe(expectedJti(c.iat, c.iss, c.name, c.sub));
      expect(id).toMatch(/^[A-Z2-7]{52}$/);
    }
  });

  test('ignores any other field of what it is given (jti and nats are not hashed)', () => {
    const withMore = { iat: 7, iss: 'AI', name: 'x', sub: 'US', jti: 'OLD', nats: { type: 'user' } } as unknown as Parameters<typeof jwtId>[0];
    expect(jwtId(withMore)).toBe(expectedJti(7, 'AI', 'x', 'US'));
  });
});

describe('encodeJwt', () => {
  let issuer: KeyPair;
  let subject: string;
  let nats: NatsClaim;
  let token: string;
  beforeAll(() => {
    issuer = createAccount();
    subject = createUser().getPublicKey();
    nats = { pub: { allow: ['a.>'] }, sub: { allow: ['b.*'] }, issuer_account: 'AACCOUNT', type: 'user', version: 2 };
    token = encodeJwt(issuer, { sub: subject, name: 'agent', iat: T0, nats });
  });

  test('three base64url parts without padding', () => {
    const parts = token.split('.');
    expect(parts).toHaveLength(3);
    for (const part of parts) expect(part).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test('the header is exactly {"typ":"JWT","alg":"ed25519-nkey"}', () => {
    expect(token.split('.')[0]).toBe(b64('{"typ":"JWT","alg":"ed25519-nkey"}'));
    expect(partText(token, 0)).toBe('{"typ":"JWT","alg":"ed25519-nkey"}');
  });

  test('the claims are jti, iat, iss, name, sub, nats in that order, issued by the signer', () => {
    const iss = issuer.getPublicKey();
    const jti = expectedJti(T0, iss, 'agent', subject);
    expect(partText(token, 1)).toBe(
      `{"jti":"${jti}","iat":${T0},"iss":"${iss}","name":"agent","sub":"${subject}","nats":{"pub":{"allow":["a.>"]},"sub":{"allow":["b.*"]},"issuer_account":"AACCOUNT","type":"user","version":2}}`,
    );
  });

  test('the signature is the issuer nkey over `header.payload` (ed25519 is deterministic)', () => {
    const [h, p, s] = token.split('.');
    const signed = bytesOf(`${h}.${p}`);
    expect(fromPublic(issuer.getPublicKey()).verify(signed, Buffer.from(s, 'base64url'))).toBe(true);
    expect(s).toBe(b64(issuer.sign(signed)));
  });

  test('an operator signs its own JWT: iss and sub may be the same key', () => {
    const operator = createOperator();
    const key = operator.getPublicKey();
    const own = encodeJwt(operator, { sub: key, name: 'harmony-operator', iat: 5, nats: { type: 'operator', version: 2 } });
    expect(JSON.parse(partText(own, 1))).toStrictEqual({ jti: expectedJti(5, key, 'harmony-operator', key), iat: 5, iss: key, name: 'harmony-operator', sub: key, nats: { type: 'operator', version: 2 } });
  });
});

describe('encodeJwt with an audience (authorization responses)', () => {
  let issuer: KeyPair;
  let subject: string;
  beforeAll(() => {
    issuer = createAccount();
    subject = createUser().getPublicKey();
  });

  test('aud is written first, before jti, and hashed first into the jti', () => {
    const iss = issuer.getPublicKey();
    const token = encodeJwt(issuer, { aud: 'NSERVERID', sub: subject, name: 'response', iat: T0, nats: { jwt: 'h.p.s', type: 'authorization_response', version: 2 } });
    const jti = base32(createHash('sha512-256').update(`{"aud":"NSERVERID","iat":${T0},"iss":"${iss}","name":"response","sub":"${subject}"}`).digest());
    expect(jti).not.toBe(expectedJti(T0, iss, 'response', subject));
    const text = partText(token, 1);
    expect(text.startsWith(`{"aud":"NSERVERID","jti":"${jti}",`)).toBe(true);
    expect(text).toBe(
      `{"aud":"NSERVERID","jti":"${jti}","iat":${T0},"iss":"${iss}","name":"response","sub":"${subject}","nats":{"jwt":"h.p.s","type":"authorization_response","version":2}}`,
    );
    expect(jwtId({ aud: 'NSERVERID', iat: T0, iss, name: 'response', sub: subject })).toBe(jti);
  });

  test('without aud (or an empty one) there is no aud key and the jti is the plain one', () => {
    const iss = issuer.getPublicKey();
    for (const aud of [undefined, '']) {
      const text = partText(encodeJwt(issuer, { aud, sub: subject, name: 'u', iat: 3, nats: { type: 'user', version: 2 } }), 1);
      expect(JSON.parse(text)).not.toHaveProperty('aud');
      expect(text.startsWith(`{"jti":"${expectedJti(3, iss, 'u', subject)}",`)).toBe(true);
    }
  });
});

describe('decodeJwt', () => {
  let issuer: KeyPair;
  let other: KeyPair;
  let subject: string;
  let token: string;
  beforeAll(() => {
    issuer = createAccount();
    other = createAccount();
    subject = createUser().getPublicKey();
    token = encodeJwt(issuer, { sub: subject, name: 'monitor', iat: T0, nats: { subs: -1, type: 'user', version: 2 } });
  });
  const claimsOf = (over: Record<string, unknown> = {}) => ({
    jti: 'X',
    iat: T0,
    iss: issuer.getPublicKey(),
    name: 'monitor',
    sub: subject,
    nats: { type: 'user', version: 2 },
    ...over,
  });
  const rejects = (bad: string, message: RegExp) => {
    expect(() => decodeJwt(bad)).toThrow(JwtError);
    expect(() => decodeJwt(bad)).toThrow(message);
  };

  test('default properties: gives back every claim of a token whose signature verifies', () => {
    const iss = issuer.getPublicKey();
    expect(decodeJwt(token)).toStrictEqual({
      jti: expectedJti(T0, iss, 'monitor', subject),
      iat: T0,
      iss,
      name: 'monitor',
      sub: subject,
      nats: { subs: -1, type: 'user', version: 2 },
    });
  });

  test('a hand-made token signed by its iss decodes: nothing but the format is required', () => {
    expect(decodeJwt(forge(HEADER, claimsOf(), issuer))).toStrictEqual(claimsOf());
  });

  test('JwtError is an Error', () => {
    expect(new JwtError('m')).toBeInstanceOf(Error);
  });

  test('not three parts', () => {
    const [h, p, s] = token.split('.');
    rejects(`${h}.${p}`, /^not a JWT: expected three dot-separated parts$/);
    rejects(`${h}.${p}.${s}.${s}`, /^not a JWT: expected three dot-separated parts$/);
    rejects('', /expected three dot-separated parts/);
  });

  test('a header or claims that are not JSON', () => {
    const [h, p, s] = token.split('.');
    rejects(`${b64('{"typ":')}.${p}.${s}`, /^not a JWT: its header or claims are not JSON$/);
    rejects(`${h}.${b64('not json')}.${s}`, /^not a JWT: its header or claims are not JSON$/);
  });

  test('a header that is not {typ: JWT, alg: ed25519-nkey}, shown in the message', () => {
    rejects(forge({ typ: 'JWS', alg: 'ed25519-nkey' }, claimsOf(), issuer), /^not a NATS v2 JWT: header \{"typ":"JWS","alg":"ed25519-nkey"\}$/);
    rejects(forge({ typ: 'JWT', alg: 'ed25519' }, claimsOf(), issuer), /^not a NATS v2 JWT: header \{"typ":"JWT","alg":"ed25519"\}$/);
    rejects(forge({ alg: 'ed25519-nkey' }, claimsOf(), issuer), /^not a NATS v2 JWT: header \{"alg":"ed25519-nkey"\}$/);
    rejects(forge(null, claimsOf(), issuer), /^not a NATS v2 JWT: header null$/);
  });

  test('iss, sub or nats missing or of the wrong type', () => {
    const message = /^not a NATS JWT: iss, sub or nats missing$/;
    rejects(forge(HEADER, claimsOf({ iss: undefined }), issuer), message);
    rejects(forge(HEADER, claimsOf({ iss: 7 }), issuer), message);
    rejects(forge(HEADER, claimsOf({ sub: undefined }), issuer), message);
    rejects(forge(HEADER, claimsOf({ sub: 7 }), issuer), message);
    rejects(forge(HEADER, claimsOf({ nats: undefined }), issuer), message);
    rejects(forge(HEADER, claimsOf({ nats: null }), issuer), message);
    rejects(forge(HEADER, claimsOf({ nats: 'user' }), issuer), message);
    rejects(forge(HEADER, null, issuer), message);
  });

  test('one flipped byte of the signature', () => {
    const [h, p, s] = token.split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[10] ^= 0x01;
    rejects(`${h}.${p}.${b64(sig)}`, new RegExp(`^the signature of user JWT "monitor" does not verify against its issuer ${issuer.getPublicKey()}$`));
  });

  test('claims changed after signing', () => {
    const [h, , s] = token.split('.');
    const changed = b64(JSON.stringify(claimsOf({ nats: { subs: -1, pub: { allow: ['>'] }, type: 'user', version: 2 } })));
    rejects(`${h}.${changed}.${s}`, /^the signature of user JWT "monitor" does not verify against its issuer A/);
  });

  test('a token signed by another key than its iss', () => {
    rejects(forge(HEADER, claimsOf({ nats: { type: 'account', version: 2 }, name: 'SYS' }), other), new RegExp(`^the signature of account JWT "SYS" does not verify against its issuer ${issuer.getPublicKey()}$`));
  });

  test('an iss that is not a public nkey', () => {
    rejects(forge(HEADER, claimsOf({ iss: 'NOTAKEY' }), issuer), /^the signature of user JWT "monitor" does not verify against its issuer NOTAKEY$/);
  });
});
