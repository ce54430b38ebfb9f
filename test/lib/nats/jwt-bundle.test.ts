import { createHash } from 'node:crypto';
import type { KeyPair } from 'nkeys.js';
import { createAccount, createOperator, createUser, fromCurveSeed, fromPublic, fromSeed } from 'nkeys.js';
import type { Fleet } from '../../../config/types';
import type { IdentityKeys } from '../../../lib/nats/accounts';
import { identityPermissions } from '../../../lib/nats/accounts';
import { encodeJwt } from '../../../lib/nats/jwt';
import type { JwtBundle, JwtSeeds } from '../../../lib/nats/jwt-bundle';
import { JWT_FIX, checkJwts, currentUserJwt, jwtAccountsDoc, mintJwts, renderJwtAccounts, userJwtFor } from '../../../lib/nats/jwt-bundle';
import { newJwtSeeds, newSigningKey } from '../../../lib/secrets/material';
import { exampleFleet, exampleIdentities } from '../../fixtures/fleet';

// Signing costs ~100 ms under Jest: one bundle is minted in beforeAll and
// each test changes one thing. Claims are read here with Buffer and
// signatures checked with nkeys.js, never with lib/nats/jwt.ts.

const T0 = 1_700_000_000;
const T1 = T0 + 3600;
const UNLIMITED = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
const GIB = 1024 ** 3;

type Claims = { jti: string; iat: number; iss: string; name: string; sub: string; nats: Record<string, any> };
const claimsOf = (token: string): Claims => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
/** The claims but the jti (jwt.test.ts checks how it is computed). */
const bodyOf = (token: string): Omit<Claims, 'jti'> => {
  const { jti: _jti, ...rest } = claimsOf(token);
  return rest;
};
const verifies = (token: string, key: string): boolean => {
  const [h, p, s] = token.split('.');
  return fromPublic(key).verify(new TextEncoder().encode(`${h}.${p}`), Buffer.from(s, 'base64url'));
};
const kp = (seed: string): KeyPair => fromSeed(new TextEncoder().encode(seed));
const publicOf = (seed: string): string => kp(seed).getPublicKey();
/** The same token with one byte of its signature flipped. */
const tamper = (token: string): string => {
  const [h, p, s] = token.split('.');
  const sig = Buffer.from(s, 'base64url');
  sig[7] ^= 0x01;
  return `${h}.${p}.${sig.toString('base64url')}`;
};

const billing = { name: 'billing', publish: ['billing.>'], subscribe: ['orders.*'] };
const withBilling = (change: Partial<typeof billing>, base: Fleet): Fleet => ({ ...base, account: { ...base.account, services: [{ ...billing, ...change }] } });

describe('JWT bundle', () => {
  let fleet: Fleet;
  let keys: IdentityKeys;
  let seeds: JwtSeeds;
  let bundle: JwtBundle;
  /** Public keys of the seeds. */
  let k: { operator: string; operatorSigning: string; sys: string; sysSigning: string; app: string; appSigning: string };

  beforeAll(() => {
    fleet = withBilling({}, { ...exampleFleet, auth: { mode: 'jwt' } });
    keys = { ...exampleIdentities, billing: [createUser().getPublicKey()] };
    seeds = newJwtSeeds(fleet);
    k = {
      operator: publicOf(seeds.operator.seed),
      operatorSigning: publicOf(seeds.operator.signingKeys[0]),
      sys: publicOf(seeds.accounts.SYS.seed),
      sysSigning: publicOf(seeds.accounts.SYS.signingKeys[0]),
      app: publicOf(seeds.accounts.HARMONY.seed),
      appSigning: publicOf(seeds.accounts.HARMONY.signingKeys[0]),
    };
    bundle = mintJwts(fleet, keys, seeds, T0);
  });

  describe('mintJwts', () => {
    test('default properties: an operator, SYS and the application account, a list of user JWTs per identity', () => {
      expect(Object.keys(bundle)).toEqual(['operator', 'accounts', 'users']);
      expect(Object.keys(bundle.accounts)).toEqual(['SYS', 'HARMONY']);
      expect(Object.keys(bundle.users)).toEqual(['agent', 'billing', 'kv-admin', 'kv-snapshot', 'monitor', 'provisioner']);
      for (const [identity, tokens] of Object.entries(bundle.users)) expect(tokens).toHaveLength(keys[identity].length);
    });

    test('the operator is self-signed, trusts its signing key (strictly) and names SYS as system account', () => {
      expect(bodyOf(bundle.operator)).toStrictEqual({
        iat: T0,
        iss: k.operator,
        name: 'harmony-operator',
        sub: k.operator,
        nats: { signing_keys: [k.operatorSigning], system_account: k.sys, strict_signing_key_usage: true, type: 'operator', version: 2 },
      });
      expect(verifies(bundle.operator, k.operator)).toBe(true);
    });

    test('SYS: signed by the operator signing key, no limits, no JetStream', () => {
      expect(bodyOf(bundle.accounts.SYS)).toStrictEqual({
        iat: T0,
        iss: k.operatorSigning,
        name: 'SYS',
        sub: k.sys,
        nats: { limits: UNLIMITED, signing_keys: [k.sysSigning], type: 'account', version: 2 },
      });
      expect(verifies(bundle.accounts.SYS, k.operatorSigning)).toBe(true);
    });

    test("the application account: the fleet's JetStream limits in bytes, its signing key", () => {
      expect(bodyOf(bundle.accounts.HARMONY)).toStrictEqual({
        iat: T0,
        iss: k.operatorSigning,
        name: 'HARMONY',
        sub: k.app,
        nats: { limits: { ...UNLIMITED, mem_storage: 0, disk_storage: 20 * GIB, streams: 16, consumer: 256 }, signing_keys: [k.appSigning], type: 'account', version: 2 },
      });
      expect(verifies(bundle.accounts.HARMONY, k.operatorSigning)).toBe(true);
    });

    test('one user JWT per identity key: signed by the account signing key, with the nkeys-mode allow lists', () => {
      const permissions = identityPermissions(fleet);
      for (const [identity, tokens] of Object.entries(bundle.users)) {
        const p = permissions.get(identity)!;
        tokens.forEach((token, i) =>
          expect(bodyOf(token)).toStrictEqual({
            iat: T0,
            iss: k.appSigning,
            name: identity,
            sub: keys[identity][i],
            nats: { pub: { allow: [...p.publish] }, sub: { allow: [...p.subscribe] }, subs: -1, data: -1, payload: -1, issuer_account: k.app, type: 'user', version: 2 },
          }),
        );
      }
      expect(bodyOf(bundle.users.billing[0]).nats.pub).toStrictEqual({ allow: ['billing.>'] });
      expect(bodyOf(bundle.users.billing[0]).nats.sub).toStrictEqual({ allow: ['orders.*', '_INBOX_billing.>'] });
      expect(verifies(bundle.users.agent[0], k.appSigning)).toBe(true);
    });

    test('unchanged inputs: every token byte-identical, whatever the time', () => {
      const again = mintJwts(fleet, keys, seeds, T1, bundle);
      expect(again).toStrictEqual(bundle);
      expect(JSON.stringify(again)).toBe(JSON.stringify(bundle));
    });

    test('a changed permission re-signs that user only', () => {
      const changed = withBilling({ subscribe: ['orders.>'] }, fleet);
      const next = mintJwts(changed, keys, seeds, T1, bundle);
      expect(next.operator).toBe(bundle.operator);
      expect(next.accounts).toStrictEqual(bundle.accounts);
      expect({ ...next.users, billing: [] }).toStrictEqual({ ...bundle.users, billing: [] });
      const billingJwt = next.users.billing[0];
      expect(billingJwt).not.toBe(bundle.users.billing[0]);
      expect(bodyOf(billingJwt)).toMatchObject({ iat: T1, iss: k.appSigning, sub: keys.billing[0], nats: { sub: { allow: ['orders.>', '_INBOX_billing.>'] } } });
      expect(verifies(billingJwt, k.appSigning)).toBe(true);
    });

    test("an identity's second key gets its own token, the first keeps its; an identity without keys gets none", () => {
      const second = createUser().getPublicKey();
      const { monitor: _monitor, ...others } = keys;
      const next = mintJwts(fleet, { ...others, agent: [keys.agent[0], second] }, seeds, T1, bundle);
      expect(next.users.agent).toHaveLength(2);
      expect(next.users.agent[0]).toBe(bundle.users.agent[0]);
      expect(bodyOf(next.users.agent[1])).toMatchObject({ iat: T1, iss: k.appSigning, name: 'agent', sub: second });
      expect(next.users.monitor).toStrictEqual([]);
    });

    test('an account signing-key rotation re-signs every user with the newest key; the account lists both, sorted', () => {
      const added = newSigningKey('account');
      const rotated: JwtSeeds = { ...seeds, accounts: { ...seeds.accounts, HARMONY: { ...seeds.accounts.HARMONY, signingKeys: [seeds.accounts.HARMONY.signingKeys[0], added] } } };
      const next = mintJwts(fleet, keys, rotated, T1, bundle);
      expect(next.operator).toBe(bundle.operator);
      expect(next.accounts.SYS).toBe(bundle.accounts.SYS);
      expect(bodyOf(next.accounts.HARMONY)).toMatchObject({ iat: T1, iss: k.operatorSigning, sub: k.app });
      expect(bodyOf(next.accounts.HARMONY).nats.signing_keys).toStrictEqual([k.appSigning, publicOf(added)].sort());
      for (const [identity, tokens] of Object.entries(next.users)) {
        tokens.forEach((token, i) => {
          expect(token).not.toBe(bundle.users[identity][i]);
          const before = bodyOf(bundle.users[identity][i]);
          expect(bodyOf(token)).toStrictEqual({ ...before, iat: T1, iss: publicOf(added) });
        });
      }
      expect(verifies(next.users.agent[0], publicOf(added))).toBe(true);
    });

    test('an operator signing-key change re-signs the operator and the accounts, not the users', () => {
      const added = newSigningKey('operator');
      const rotated: JwtSeeds = { ...seeds, operator: { ...seeds.operator, signingKeys: [seeds.operator.signingKeys[0], added] } };
      const next = mintJwts(fleet, keys, rotated, T1, bundle);
      expect(bodyOf(next.operator)).toMatchObject({ iat: T1, iss: k.operator, sub: k.operator });
      expect(bodyOf(next.operator).nats.signing_keys).toStrictEqual([k.operatorSigning, publicOf(added)].sort());
      for (const name of ['SYS', 'HARMONY']) {
        expect(bodyOf(next.accounts[name])).toStrictEqual({ ...bodyOf(bundle.accounts[name]), iat: T1, iss: publicOf(added) });
      }
      expect(verifies(next.accounts.HARMONY, publicOf(added))).toBe(true);
      expect(next.users).toStrictEqual(bundle.users);
    });

    test('a new SYS account key re-signs the operator (its system account) and SYS only', () => {
      const sysSeed = newSigningKey('account');
      const changed: JwtSeeds = { ...seeds, accounts: { ...seeds.accounts, SYS: { ...seeds.accounts.SYS, seed: sysSeed } } };
      const next = mintJwts(fleet, keys, changed, T1, bundle);
      expect(bodyOf(next.operator)).toMatchObject({ iat: T1, nats: { system_account: publicOf(sysSeed) } });
      expect(bodyOf(next.accounts.SYS)).toStrictEqual({ ...bodyOf(bundle.accounts.SYS), iat: T1, sub: publicOf(sysSeed) });
      expect(next.accounts.HARMONY).toBe(bundle.accounts.HARMONY);
      expect(next.users).toStrictEqual(bundle.users);
    });

    test('a revocation goes into the application account only', () => {
      const retired = createUser().getPublicKey();
      const next = mintJwts(fleet, keys, { ...seeds, revocations: { [retired]: T0 + 10 } }, T1, bundle);
      expect(bodyOf(next.accounts.HARMONY)).toMatchObject({ iat: T1, nats: { revocations: { [retired]: T0 + 10 } } });
      expect(next.accounts.SYS).toBe(bundle.accounts.SYS);
      expect(next.operator).toBe(bundle.operator);
      expect(next.users).toStrictEqual(bundle.users);
    });

    test('a malformed previous token, or none for an identity, is signed anew', () => {
      const { 'kv-admin': _kvAdmin, ...previousUsers } = bundle.users;
      const previous: JwtBundle = { ...bundle, operator: 'garbage', accounts: { ...bundle.accounts, SYS: 'a.b.c' }, users: { ...previousUsers, agent: ['nope'] } };
      const next = mintJwts(fleet, keys, seeds, T1, previous);
      expect(bodyOf(next.users['kv-admin'][0])).toStrictEqual({ ...bodyOf(bundle.users['kv-admin'][0]), iat: T1 });
      expect(bodyOf(next.operator)).toStrictEqual({ ...bodyOf(bundle.operator), iat: T1 });
      expect(bodyOf(next.accounts.SYS)).toStrictEqual({ ...bodyOf(bundle.accounts.SYS), iat: T1 });
      expect(bodyOf(next.users.agent[0])).toStrictEqual({ ...bodyOf(bundle.users.agent[0]), iat: T1 });
      expect(next.accounts.HARMONY).toBe(bundle.accounts.HARMONY);
      expect(next.users.monitor).toStrictEqual(bundle.users.monitor);
    });

    test('a revoked key still listed throws, naming the identity and the key', () => {
      const listed = keys.agent[0];
      expect(() => mintJwts(fleet, keys, { ...seeds, revocations: { [listed]: T0 } }, T1, bundle)).toThrow(
        new RegExp(`^agent's key ${listed} is revoked; config/identities\\.json must not list it \\(run \`npm run keys -- sync\`\\)$`),
      );
    });

    test('missing account seeds throw, naming the account and `npm run keys -- sync`', () => {
      const { SYS: _sys, ...noSys } = seeds.accounts;
      expect(() => mintJwts(fleet, keys, { ...seeds, accounts: noSys }, T1)).toThrow(/^the age store has no JWT seeds for the account SYS; run `npm run keys -- sync` to mint them$/);
      const renamed: Fleet = { ...fleet, account: { ...fleet.account, name: 'APP' } };
      expect(() => mintJwts(renamed, keys, seeds, T1)).toThrow(/^the age store has no JWT seeds for the account APP; run `npm run keys -- sync` to mint them$/);
    });
  });

  describe('currentUserJwt', () => {
    test("the token of the identity's newest key", () => {
      const jwts: JwtBundle = { operator: 'o', accounts: {}, users: { agent: ['old.jwt.token', 'new.jwt.token'], monitor: ['m.jwt.token'] } };
      expect(currentUserJwt(jwts, { agent: ['UOLD', 'UNEW'], monitor: ['UM'] }, 'agent')).toBe('new.jwt.token');
      expect(currentUserJwt(jwts, { agent: ['UOLD', 'UNEW'], monitor: ['UM'] }, 'monitor')).toBe('m.jwt.token');
    });

    test('throws when the newest key has no token', () => {
      const message = /^config\/jwt\.json has no user JWT for agent's newest key; run `npm run keys -- sync`$/;
      const jwts: JwtBundle = { operator: 'o', accounts: {}, users: { agent: ['old.jwt.token'] } };
      expect(() => currentUserJwt(jwts, { agent: ['UOLD', 'UNEW'] }, 'agent')).toThrow(message);
      expect(() => currentUserJwt(jwts, {}, 'agent')).toThrow(message);
      expect(() => currentUserJwt(jwts, { agent: [] }, 'agent')).toThrow(message);
      expect(() => currentUserJwt({ ...jwts, users: {} }, { agent: ['UOLD'] }, 'agent')).toThrow(message);
      expect(() => currentUserJwt({ ...jwts, users: { agent: [''] } }, { agent: ['UOLD'] }, 'agent')).toThrow(message);
    });
  });

  describe('userJwtFor', () => {
    test("finds the token whose subject is the key, whichever identity holds it, and nothing for a key without one", () => {
      expect(claimsOf(userJwtFor(bundle, keys['kv-admin'][0])!).sub).toBe(keys['kv-admin'][0]);
      expect(userJwtFor(bundle, keys['kv-admin'][0])).toBe(bundle.users['kv-admin'][0]);
      expect(userJwtFor(bundle, keys.agent[0])).toBe(bundle.users.agent[0]);
      expect(userJwtFor(bundle, createUser().getPublicKey())).toBeUndefined();
    });
  });

  describe('checkJwts', () => {
    /** Fewer keys, fewer signatures to verify: the problems below are about one identity. */
    const agentOnly = (): IdentityKeys => ({ agent: keys.agent });
    const withAccount = (name: string, token: string): JwtBundle => ({ ...bundle, accounts: { ...bundle.accounts, [name]: token } });
    const withUser = (identity: string, tokens: string[]): JwtBundle => ({ ...bundle, users: { ...bundle.users, [identity]: tokens } });

    test('default properties: a freshly minted bundle has no problem', () => {
      expect(checkJwts(fleet, keys, bundle)).toStrictEqual([]);
    });

    test('a tampered operator JWT: its signature, and nothing else is checked', () => {
      expect(checkJwts(fleet, keys, { ...bundle, operator: tamper(bundle.operator) })).toStrictEqual([
        `operator: the signature of operator JWT "harmony-operator" does not verify against its issuer ${k.operator}`,
      ]);
    });

    test('no operator JWT, or one that is not a string', () => {
      expect(checkJwts(fleet, keys, { ...bundle, operator: '' })).toStrictEqual(['operator: no JWT']);
      expect(checkJwts(fleet, keys, { ...bundle, operator: 42 as unknown as string })).toStrictEqual(['operator: not a JWT']);
    });

    test('an operator JWT signed by another operator', () => {
      const forged = encodeJwt(createOperator(), { sub: k.operator, name: 'harmony-operator', iat: T0, nats: claimsOf(bundle.operator).nats as any });
      expect(checkJwts(fleet, agentOnly(), { ...bundle, operator: forged })).toStrictEqual(['operator: not a self-signed operator JWT']);
    });

    test('a self-signed token that is no operator trusts no signing key and names no system account', () => {
      const notOperator = encodeJwt(kp(seeds.operator.seed), { sub: k.operator, name: 'harmony-operator', iat: T0, nats: { type: 'account', version: 2 } });
      expect(checkJwts(fleet, {}, { ...bundle, operator: notOperator })).toStrictEqual([
        'operator: not a self-signed operator JWT',
        `account SYS: signed by ${k.operatorSigning}, not by one of the operator's signing keys`,
        `account HARMONY: signed by ${k.operatorSigning}, not by one of the operator's signing keys`,
        "operator: its system account is undefined, not the SYS account's key",
      ]);
    });

    test('an account JWT missing', () => {
      const { HARMONY: _app, ...sysOnly } = bundle.accounts;
      const { SYS: _sys, ...appOnly } = bundle.accounts;
      expect(checkJwts(fleet, agentOnly(), { ...bundle, accounts: sysOnly })).toStrictEqual(['account HARMONY: no JWT']);
      expect(checkJwts(fleet, agentOnly(), { ...bundle, accounts: appOnly })).toStrictEqual(['account SYS: no JWT']);
    });

    test('an account signed by a key the operator does not trust', () => {
      const stranger = createOperator();
      const forged = encodeJwt(stranger, { sub: k.app, name: 'HARMONY', iat: T0, nats: claimsOf(bundle.accounts.HARMONY).nats as any });
      expect(checkJwts(fleet, agentOnly(), withAccount('HARMONY', forged))).toStrictEqual([
        `account HARMONY: signed by ${stranger.getPublicKey()}, not by one of the operator's signing keys`,
      ]);
    });

    test('an account slot holding another kind of JWT', () => {
      const user = encodeJwt(kp(seeds.operator.signingKeys[0]), { sub: k.sys, name: 'SYS', iat: T0, nats: { type: 'user', version: 2 } });
      expect(checkJwts(fleet, agentOnly(), withAccount('SYS', user))).toStrictEqual(['account SYS: not an account JWT']);
    });

    test("the operator's system account is not the SYS account's key", () => {
      expect(checkJwts(fleet, agentOnly(), withAccount('SYS', bundle.accounts.HARMONY))).toStrictEqual([`operator: its system account is ${k.sys}, not the SYS account's key`]);
    });

    test('each JetStream limit the fleet changed, naming the field and both values', () => {
      const changed: Fleet = { ...fleet, account: { ...fleet.account, jetstream: { maxMemory: '1Gi', maxFile: '10Gi', maxStreams: 17, maxConsumers: 300 } } };
      expect(checkJwts(changed, agentOnly(), bundle)).toStrictEqual([
        'account HARMONY: JetStream limit mem_storage is 0, the fleet says 1073741824 (account.jetstream)',
        'account HARMONY: JetStream limit disk_storage is 21474836480, the fleet says 10737418240 (account.jetstream)',
        'account HARMONY: JetStream limit streams is 16, the fleet says 17 (account.jetstream)',
        'account HARMONY: JetStream limit consumer is 256, the fleet says 300 (account.jetstream)',
      ]);
      const oneChanged: Fleet = { ...fleet, account: { ...fleet.account, jetstream: { ...fleet.account.jetstream, maxStreams: 17 } } };
      expect(checkJwts(oneChanged, {}, bundle)).toStrictEqual(['account HARMONY: JetStream limit streams is 16, the fleet says 17 (account.jetstream)']);
    });

    test('an application account without limits or signing keys', () => {
      const bare = encodeJwt(kp(seeds.operator.signingKeys[0]), { sub: k.app, name: 'HARMONY', iat: T0, nats: { type: 'account', version: 2 } });
      expect(checkJwts(fleet, agentOnly(), withAccount('HARMONY', bare))).toStrictEqual([
        'account HARMONY: JetStream limit mem_storage is undefined, the fleet says 0 (account.jetstream)',
        `account HARMONY: JetStream limit disk_storage is undefined, the fleet says ${20 * GIB} (account.jetstream)`,
        'account HARMONY: JetStream limit streams is undefined, the fleet says 16 (account.jetstream)',
        'account HARMONY: JetStream limit consumer is undefined, the fleet says 256 (account.jetstream)',
        `user agent[0]: signed by ${k.appSigning}, not by a signing key of account HARMONY`,
      ]);
    });

    test('a key without a user JWT, an identity without any', () => {
      const second = createUser().getPublicKey();
      expect(checkJwts(fleet, { agent: [keys.agent[0], second] }, bundle)).toStrictEqual([`user agent[1] (${second}): no JWT`]);
      const { agent: _agent, ...noAgent } = bundle.users;
      expect(checkJwts(fleet, agentOnly(), { ...bundle, users: noAgent })).toStrictEqual([`user agent[0] (${keys.agent[0]}): no JWT`]);
    });

    test('a tampered user JWT counts as none for its key', () => {
      expect(checkJwts(fleet, agentOnly(), withUser('agent', [tamper(bundle.users.agent[0])]))).toStrictEqual([`user agent[0] (${keys.agent[0]}): no JWT`]);
    });

    test('a user signed by a key that is not a signing key of the account', () => {
      const stranger = createAccount();
      const forged = encodeJwt(stranger, { sub: keys.agent[0], name: 'agent', iat: T0, nats: claimsOf(bundle.users.agent[0]).nats as any });
      expect(checkJwts(fleet, agentOnly(), withUser('agent', [forged]))).toStrictEqual([
        `user agent[0]: signed by ${stranger.getPublicKey()}, not by a signing key of account HARMONY`,
      ]);
    });

    test('a user issued for another account', () => {
      const nats = { ...claimsOf(bundle.users.agent[0]).nats, issuer_account: k.sys } as any;
      const wrong = encodeJwt(kp(seeds.accounts.HARMONY.signingKeys[0]), { sub: keys.agent[0], name: 'agent', iat: T0, nats });
      expect(checkJwts(fleet, agentOnly(), withUser('agent', [wrong]))).toStrictEqual([`user agent[0]: issued for account ${k.sys}, not HARMONY`]);
    });

    test('a revoked user still listed: revoked at or after its issue time', () => {
      const revoking = (at: number) =>
        encodeJwt(kp(seeds.operator.signingKeys[0]), {
          sub: k.app,
          name: 'HARMONY',
          iat: T1,
          nats: { ...claimsOf(bundle.accounts.HARMONY).nats, revocations: { [keys.agent[0]]: at } } as any,
        });
      expect(checkJwts(fleet, agentOnly(), withAccount('HARMONY', revoking(T0)))).toStrictEqual([
        'user agent[0]: revoked in account HARMONY, yet config/identities.json still lists it',
      ]);
      // Issued after the revocation: the server accepts it (nats-io/jwt RevocationList.IsRevoked).
      expect(checkJwts(fleet, agentOnly(), withAccount('HARMONY', revoking(T0 - 1)))).toStrictEqual([]);
    });

    test('permissions that differ from the fleet, in publish or in subscribe', () => {
      const message = ['user billing[0]: its permissions are not the ones the fleet gives billing'];
      const billingOnly = { billing: keys.billing };
      expect(checkJwts(withBilling({ publish: ['billing.*'] }, fleet), billingOnly, bundle)).toStrictEqual(message);
      expect(checkJwts(withBilling({ subscribe: ['orders.>'] }, fleet), billingOnly, bundle)).toStrictEqual(message);
      expect(checkJwts(fleet, billingOnly, bundle)).toStrictEqual([]);
    });

    test('a user JWT without allow lists', () => {
      const { pub: _pub, sub: _sub, ...rest } = claimsOf(bundle.users.agent[0]).nats;
      const bare = encodeJwt(kp(seeds.accounts.HARMONY.signingKeys[0]), { sub: keys.agent[0], name: 'agent', iat: T0, nats: rest as any });
      expect(checkJwts(fleet, agentOnly(), withUser('agent', [bare]))).toStrictEqual(['user agent[0]: its permissions are not the ones the fleet gives agent']);
    });

    test('a direction the fleet allows nothing must be a deny of everything: an empty allow list, or no restriction, is a problem', () => {
      const silent = withBilling({ publish: [] }, fleet);
      const nats = claimsOf(bundle.users.billing[0]).nats;
      const withPub = (pub: unknown) =>
        withUser('billing', [encodeJwt(kp(seeds.accounts.HARMONY.signingKeys[0]), { sub: keys.billing[0], name: 'billing', iat: T0, nats: { ...nats, pub } as any })]);
      const billingOnly = { billing: keys.billing };
      const message = ['user billing[0]: its permissions are not the ones the fleet gives billing'];
      expect(checkJwts(silent, billingOnly, withPub({ deny: ['>'] }))).toStrictEqual([]);
      expect(checkJwts(silent, billingOnly, withPub({ allow: [] }))).toStrictEqual(message);
      expect(checkJwts(silent, billingOnly, withPub({}))).toStrictEqual(message);
    });

    test('only identities of the fleet with keys are checked', () => {
      expect(checkJwts(fleet, {}, { ...bundle, users: {} })).toStrictEqual([]);
      expect(checkJwts(fleet, { ghost: [createUser().getPublicKey()] }, bundle)).toStrictEqual([]);
    });

    test('JWT_FIX points at the keys CLI and the commit', () => {
      expect(JWT_FIX).toBe('run `npm run keys -- sync` to re-sign what changed, commit config/jwt.json, and give the re-issued credentials to their holders');
    });
  });

  describe('jwtAccountsDoc and renderJwtAccounts', () => {
    test('default properties: the operator, SYS as system account, a MEMORY resolver preloaded by account key', () => {
      expect(jwtAccountsDoc(bundle)).toStrictEqual({
        operator: bundle.operator,
        system_account: k.sys,
        resolver: 'MEMORY',
        resolver_preload: { [k.sys]: bundle.accounts.SYS, [k.app]: bundle.accounts.HARMONY },
      });
    });

    test('with the full resolver: no resolver line (site-config.ts sets the block, per server), the same preload', () => {
      expect(jwtAccountsDoc(bundle, 'full')).toStrictEqual({
        operator: bundle.operator,
        system_account: k.sys,
        resolver_preload: { [k.sys]: bundle.accounts.SYS, [k.app]: bundle.accounts.HARMONY },
      });
      expect(jwtAccountsDoc(bundle, 'memory')).toStrictEqual(jwtAccountsDoc(bundle));
      expect(renderJwtAccounts(bundle, 'full').text).not.toMatch(/resolver"?:/);
    });

    test('the preload is sorted by account key, whatever the order of the bundle', () => {
      const sorted = [k.sys, k.app].sort();
      const reversed: JwtBundle = { ...bundle, accounts: { HARMONY: bundle.accounts.HARMONY, SYS: bundle.accounts.SYS } };
      for (const b of [bundle, reversed]) {
        const doc = jwtAccountsDoc(b) as { system_account: string; resolver_preload: Record<string, string> };
        expect(Object.keys(doc.resolver_preload)).toEqual(sorted);
        expect(doc.system_account).toBe(k.sys);
      }
    });

    test('the include text is a fragment (no enclosing braces), keys sorted, and its checksum is the sha256 of the text', () => {
      const [first, second] = [k.sys, k.app].sort();
      const tokenOf = (key: string) => (key === k.sys ? bundle.accounts.SYS : bundle.accounts.HARMONY);
      const { text, checksum } = renderJwtAccounts(bundle);
      expect(text).toBe(
        [
          `"operator": "${bundle.operator}",`,
          '"resolver": "MEMORY",',
          '"resolver_preload": {',
          `  "${first}": "${tokenOf(first)}",`,
          `  "${second}": "${tokenOf(second)}"`,
          '},',
          `"system_account": "${k.sys}"`,
          '',
        ].join('\n'),
      );
      expect(checksum).toBe(createHash('sha256').update(text).digest('hex'));
      expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    });
  });
});

describe('JWT bundle with an auth callout', () => {
  const permissions = { publish: ['ui.>'], subscribe: ['ui.>'] };
  let fleet: Fleet;
  let seeds: JwtSeeds;
  let bundle: JwtBundle;
  /** The same seeds without the callout, minted from `bundle`: only HARMONY is re-signed. */
  let plain: JwtBundle;
  let k: { operatorSigning: string; sys: string; app: string; appSigning: string; callout: string; calloutSigning: string; xkey: string; scope: string; responder: string; bearer: string };
  /** The scoped key HARMONY should list, written out. */
  let scopedKey: Record<string, unknown>;
  const jwtFleet = (): Fleet => ({ ...exampleFleet, auth: { mode: 'jwt' } });
  const withPermissions = (p: typeof permissions): Fleet => ({ ...exampleFleet, auth: { mode: 'jwt', callout: { permissions: p } } });
  /** A CALLOUT account JWT with `nats` changed, signed by the operator's signing key (or `signer`). */
  const calloutAccount = (change: Record<string, unknown>, signer: KeyPair = kp(seeds.operator.signingKeys[0])): string =>
    encodeJwt(signer, { sub: k.callout, name: 'CALLOUT', iat: T0, nats: { ...claimsOf(bundle.accounts.CALLOUT).nats, ...change } as any });
  const withCalloutAccount = (token: string): JwtBundle => ({ ...bundle, accounts: { ...bundle.accounts, CALLOUT: token } });
  /** A callout user's JWT with `nats` changed, signed by the CALLOUT signing key (or `signer`). */
  const calloutUser = (name: 'responder' | 'bearer', change: Record<string, unknown>, signer: KeyPair = kp(seeds.callout!.account.signingKeys[0])): string => {
    const c = claimsOf(bundle.callout![name]);
    return encodeJwt(signer, { sub: c.sub, name: c.name, iat: T0, nats: { ...c.nats, ...change } as any });
  };

  beforeAll(() => {
    fleet = withPermissions(permissions);
    seeds = newJwtSeeds(fleet);
    const callout = seeds.callout!;
    k = {
      operatorSigning: publicOf(seeds.operator.signingKeys[0]),
      sys: publicOf(seeds.accounts.SYS.seed),
      app: publicOf(seeds.accounts.HARMONY.seed),
      appSigning: publicOf(seeds.accounts.HARMONY.signingKeys[0]),
      callout: publicOf(callout.account.seed),
      calloutSigning: publicOf(callout.account.signingKeys[0]),
      xkey: fromCurveSeed(new TextEncoder().encode(callout.xkey)).getPublicKey(),
      scope: publicOf(callout.scope),
      responder: publicOf(callout.responder),
      bearer: publicOf(callout.bearer),
    };
    scopedKey = {
      kind: 'user_scope',
      key: k.scope,
      role: 'callout',
      template: { pub: { allow: ['ui.>'] }, sub: { allow: ['ui.>', '_INBOX_callout.>'] }, subs: -1, data: -1, payload: -1 },
      description: '',
    };
    // No identity keys: the callout's tokens are what these tests are about, and each signature costs.
    bundle = mintJwts(fleet, {}, seeds, T0);
    const { callout: _callout, ...withoutCallout } = seeds;
    plain = mintJwts(jwtFleet(), {}, withoutCallout, T1, bundle);
  });

  describe('mintJwts', () => {
    test('default properties: a CALLOUT account after SYS and HARMONY, and the two callout tokens', () => {
      expect(Object.keys(bundle)).toEqual(['operator', 'accounts', 'users', 'callout']);
      expect(Object.keys(bundle.accounts)).toEqual(['SYS', 'HARMONY', 'CALLOUT']);
      expect(Object.keys(bundle.callout!)).toEqual(['responder', 'bearer']);
    });

    test('CALLOUT: signed by the operator signing key, its signing key, authorization naming the responder, HARMONY and the xkey', () => {
      expect(bodyOf(bundle.accounts.CALLOUT)).toStrictEqual({
        iat: T0,
        iss: k.operatorSigning,
        name: 'CALLOUT',
        sub: k.callout,
        nats: {
          limits: UNLIMITED,
          signing_keys: [k.calloutSigning],
          authorization: { auth_users: [k.responder], allowed_accounts: [k.app], xkey: k.xkey },
          type: 'account',
          version: 2,
        },
      });
      expect(verifies(bundle.accounts.CALLOUT, k.operatorSigning)).toBe(true);
    });

    test("HARMONY lists its signing key and the key scoped to the callout's permissions, sorted by key", () => {
      const signingKeys = bodyOf(bundle.accounts.HARMONY).nats.signing_keys;
      expect(signingKeys).toStrictEqual(k.appSigning < k.scope ? [k.appSigning, scopedKey] : [scopedKey, k.appSigning]);
      expect(verifies(bundle.accounts.HARMONY, k.operatorSigning)).toBe(true);
    });

    test('the responder: issued by the CALLOUT signing key, may answer requests on $SYS.REQ.USER.AUTH and nothing else', () => {
      expect(bodyOf(bundle.callout!.responder)).toStrictEqual({
        iat: T0,
        iss: k.calloutSigning,
        name: 'callout-responder',
        sub: k.responder,
        nats: { pub: { deny: ['>'] }, sub: { allow: ['$SYS.REQ.USER.AUTH'] }, resp: { max: 1, ttl: 0 }, subs: -1, data: -1, payload: -1, issuer_account: k.callout, type: 'user', version: 2 },
      });
      expect(verifies(bundle.callout!.responder, k.calloutSigning)).toBe(true);
    });

    test('the bearer: issued by the CALLOUT signing key, a bearer token denied everything', () => {
      expect(bodyOf(bundle.callout!.bearer)).toStrictEqual({
        iat: T0,
        iss: k.calloutSigning,
        name: 'callout-bearer',
        sub: k.bearer,
        nats: { pub: { deny: ['>'] }, sub: { deny: ['>'] }, subs: -1, data: -1, payload: -1, bearer_token: true, issuer_account: k.callout, type: 'user', version: 2 },
      });
      expect(verifies(bundle.callout!.bearer, k.calloutSigning)).toBe(true);
    });

    test('unchanged inputs: the callout tokens and the CALLOUT account byte-identical, whatever the time', () => {
      const again = mintJwts(fleet, {}, seeds, T1, bundle);
      expect(again.callout!.responder).toBe(bundle.callout!.responder);
      expect(again.callout!.bearer).toBe(bundle.callout!.bearer);
      expect(again.accounts.CALLOUT).toBe(bundle.accounts.CALLOUT);
      expect(JSON.stringify(again)).toBe(JSON.stringify(bundle));
    });

    test("changed callout permissions re-sign HARMONY (its scoped key's template) only", () => {
      const next = mintJwts(withPermissions({ publish: ['ui.>'], subscribe: ['ui.*'] }), {}, seeds, T1, bundle);
      expect(bodyOf(next.accounts.HARMONY)).toMatchObject({ iat: T1, iss: k.operatorSigning, sub: k.app });
      const scoped = (bodyOf(next.accounts.HARMONY).nats.signing_keys as unknown[]).find((key) => typeof key === 'object');
      expect(scoped).toStrictEqual({ ...scopedKey, template: { ...(scopedKey.template as object), sub: { allow: ['ui.*', '_INBOX_callout.>'] } } });
      expect({ ...next, accounts: { ...next.accounts, HARMONY: '' } }).toStrictEqual({ ...bundle, accounts: { ...bundle.accounts, HARMONY: '' } });
    });

    test('a new CALLOUT signing key: CALLOUT lists both, both users are re-signed by the newest', () => {
      const added = newSigningKey('account');
      const callout = seeds.callout!;
      const rotated: JwtSeeds = { ...seeds, callout: { ...callout, account: { ...callout.account, signingKeys: [callout.account.signingKeys[0], added] } } };
      const next = mintJwts(fleet, {}, rotated, T1, bundle);
      expect(bodyOf(next.accounts.CALLOUT).nats.signing_keys).toStrictEqual([k.calloutSigning, publicOf(added)].sort());
      for (const name of ['responder', 'bearer'] as const) {
        expect(bodyOf(next.callout![name])).toStrictEqual({ ...bodyOf(bundle.callout![name]), iat: T1, iss: publicOf(added) });
        expect(verifies(next.callout![name], publicOf(added))).toBe(true);
      }
      expect(next.accounts.HARMONY).toBe(bundle.accounts.HARMONY);
      expect(next.operator).toBe(bundle.operator);
      expect(checkJwts(fleet, {}, next)).toStrictEqual([]);
    });

    test('a fleet that dropped its callout: no CALLOUT account, no callout tokens, no scoped key in HARMONY', () => {
      expect(Object.keys(plain)).toEqual(['operator', 'accounts', 'users']);
      expect(Object.keys(plain.accounts)).toEqual(['SYS', 'HARMONY']);
      expect(bodyOf(plain.accounts.HARMONY).nats.signing_keys).toStrictEqual([k.appSigning]);
      expect(plain.operator).toBe(bundle.operator);
      expect(plain.accounts.SYS).toBe(bundle.accounts.SYS);
      expect(checkJwts(jwtFleet(), {}, plain)).toStrictEqual([]);
    });

    test('a fleet asking for a callout without callout seeds throws, naming the callout and `npm run keys -- sync`', () => {
      const { callout: _callout, ...withoutCallout } = seeds;
      expect(() => mintJwts(fleet, {}, withoutCallout, T1, bundle)).toThrow(
        /^the age store has no JWT seeds for the auth callout \(fleet\.auth\.callout\); run `npm run keys -- sync` to mint them$/,
      );
    });
  });

  describe('checkJwts', () => {
    const STALE = 'auth callout: the fleet has no auth.callout, yet the bundle still carries a CALLOUT account, its users or a scoped signing key';
    const AUTHORIZATION = 'account CALLOUT: its authorization must name one responder, an xkey, and admit into HARMONY only';

    test('default properties: a freshly minted bundle with a callout has no problem', () => {
      expect(checkJwts(fleet, {}, bundle)).toStrictEqual([]);
    });

    test('the fleet has no callout: a CALLOUT account, callout tokens or a scoped key left in the bundle is stale', () => {
      expect(checkJwts(jwtFleet(), {}, bundle)).toStrictEqual([STALE]);
      expect(checkJwts(jwtFleet(), {}, { ...plain, accounts: { ...plain.accounts, CALLOUT: bundle.accounts.CALLOUT } })).toStrictEqual([STALE]);
      expect(checkJwts(jwtFleet(), {}, { ...plain, callout: bundle.callout })).toStrictEqual([STALE]);
      expect(checkJwts(jwtFleet(), {}, { ...plain, accounts: { ...plain.accounts, HARMONY: bundle.accounts.HARMONY } })).toStrictEqual([STALE]);
      expect(checkJwts({ ...jwtFleet(), auth: undefined }, {}, bundle)).toStrictEqual([STALE]);
    });

    test("HARMONY's scoped key does not grant exactly the fleet's callout permissions, or there is none", () => {
      const message = 'account HARMONY: its scoped signing key does not grant exactly auth.callout.permissions';
      expect(checkJwts(withPermissions({ publish: ['ui.>', 'app.>'], subscribe: ['ui.>'] }), {}, bundle)).toStrictEqual([message]);
      expect(checkJwts(withPermissions({ publish: ['ui.>'], subscribe: [] }), {}, bundle)).toStrictEqual([message]);
      expect(checkJwts(fleet, {}, { ...bundle, accounts: { ...bundle.accounts, HARMONY: plain.accounts.HARMONY } })).toStrictEqual([message]);
    });

    test('a scoped key of another role is not the callout key', () => {
      const nats = claimsOf(bundle.accounts.HARMONY).nats;
      const keys = (nats.signing_keys as unknown[]).map((key) => (typeof key === 'object' ? { ...(key as object), role: 'admin' } : key));
      const forged = encodeJwt(kp(seeds.operator.signingKeys[0]), { sub: k.app, name: 'HARMONY', iat: T0, nats: { ...nats, signing_keys: keys } as any });
      expect(checkJwts(fleet, {}, { ...bundle, accounts: { ...bundle.accounts, HARMONY: forged } })).toStrictEqual([
        'account HARMONY: its scoped signing key does not grant exactly auth.callout.permissions',
      ]);
    });

    test('no CALLOUT account JWT', () => {
      const { CALLOUT: _callout, ...accounts } = bundle.accounts;
      expect(checkJwts(fleet, {}, { ...bundle, accounts })).toStrictEqual(['account CALLOUT: no JWT']);
    });

    test('a CALLOUT account signed by a key the operator does not trust', () => {
      const stranger = createOperator();
      expect(checkJwts(fleet, {}, withCalloutAccount(calloutAccount({}, stranger)))).toStrictEqual([
        `account CALLOUT: signed by ${stranger.getPublicKey()}, not by one of the operator's signing keys`,
      ]);
    });

    test('an authorization that admits into another account as well, or names no xkey', () => {
      const authz = claimsOf(bundle.accounts.CALLOUT).nats.authorization;
      expect(checkJwts(fleet, {}, withCalloutAccount(calloutAccount({ authorization: { ...authz, allowed_accounts: [k.app, k.sys].sort() } })))).toStrictEqual([AUTHORIZATION]);
      const { xkey: _xkey, ...noXkey } = authz;
      expect(checkJwts(fleet, {}, withCalloutAccount(calloutAccount({ authorization: noXkey })))).toStrictEqual([AUTHORIZATION]);
    });

    test('no authorization at all: no responder either', () => {
      const { authorization: _authz, ...nats } = claimsOf(bundle.accounts.CALLOUT).nats;
      const forged = encodeJwt(kp(seeds.operator.signingKeys[0]), { sub: k.callout, name: 'CALLOUT', iat: T0, nats: nats as any });
      expect(checkJwts(fleet, {}, withCalloutAccount(forged))).toStrictEqual([AUTHORIZATION, 'callout responder: not the user account CALLOUT lists in auth_users']);
    });

    test('auth_users names another user than the responder', () => {
      const authz = claimsOf(bundle.accounts.CALLOUT).nats.authorization;
      expect(checkJwts(fleet, {}, withCalloutAccount(calloutAccount({ authorization: { ...authz, auth_users: [k.bearer] } })))).toStrictEqual([
        'callout responder: not the user account CALLOUT lists in auth_users',
      ]);
    });

    test('a callout user not issued by the CALLOUT signing key, or for another account', () => {
      const stranger = createAccount();
      expect(checkJwts(fleet, {}, { ...bundle, callout: { ...bundle.callout!, responder: calloutUser('responder', {}, stranger) } })).toStrictEqual([
        "callout responder: not issued by account CALLOUT's signing key",
      ]);
      expect(checkJwts(fleet, {}, { ...bundle, callout: { ...bundle.callout!, bearer: calloutUser('bearer', { issuer_account: k.app }) } })).toStrictEqual([
        "callout bearer: not issued by account CALLOUT's signing key",
      ]);
    });

    test('a bearer JWT that is not a bearer token', () => {
      const { bearer_token: _bearer, ...nats } = claimsOf(bundle.callout!.bearer).nats;
      const notBearer = encodeJwt(kp(seeds.callout!.account.signingKeys[0]), { sub: k.bearer, name: 'callout-bearer', iat: T0, nats: nats as any });
      expect(checkJwts(fleet, {}, { ...bundle, callout: { ...bundle.callout!, bearer: notBearer } })).toStrictEqual(['callout bearer: not a bearer token']);
    });

    test('callout tokens missing or tampered', () => {
      expect(checkJwts(fleet, {}, { ...bundle, callout: undefined })).toStrictEqual(['callout responder: no JWT', 'callout bearer: no JWT']);
      expect(checkJwts(fleet, {}, { ...bundle, callout: { ...bundle.callout!, responder: tamper(bundle.callout!.responder) } })).toStrictEqual([
        `callout responder: the signature of user JWT "callout-responder" does not verify against its issuer ${k.calloutSigning}`,
      ]);
    });
  });

  test('jwtAccountsDoc preloads the CALLOUT account with the others', () => {
    expect(jwtAccountsDoc(bundle)).toStrictEqual({
      operator: bundle.operator,
      system_account: k.sys,
      resolver: 'MEMORY',
      resolver_preload: { [k.sys]: bundle.accounts.SYS, [k.app]: bundle.accounts.HARMONY, [k.callout]: bundle.accounts.CALLOUT },
    });
  });
});

describe("JWT bundle with the full resolver (auth.resolver 'full')", () => {
  const full: Fleet = { ...exampleFleet, auth: { mode: 'jwt', resolver: 'full' } };
  const memory: Fleet = { ...exampleFleet, auth: { mode: 'jwt' } };
  let seeds: JwtSeeds;
  let bundle: JwtBundle;
  /** A push user JWT with `nats` changed, signed by SYS's signing key (or `signer`). */
  const pushUser = (change: Record<string, unknown>, signer: KeyPair = kp(seeds.accounts.SYS.signingKeys[0])): string => {
    const c = claimsOf(bundle.resolverPush!);
    return encodeJwt(signer, { sub: c.sub, name: c.name, iat: T0, nats: { ...c.nats, ...change } as any });
  };

  beforeAll(() => {
    seeds = newJwtSeeds(full);
    bundle = mintJwts(full, {}, seeds, T0);
  });

  test('default properties: newJwtSeeds gives a full-resolver fleet a user seed for the push user, and a MEMORY fleet none', () => {
    expect(seeds.resolverPush).toMatch(/^SU[A-Z2-7]{56}$/);
    expect(newJwtSeeds(memory).resolverPush).toBeUndefined();
    expect(mintJwts(memory, {}, { ...seeds, resolverPush: undefined }, T0).resolverPush).toBeUndefined();
  });

  test('the push user: a user of SYS, signed by its signing key, publishing only the claims update and lookups, subscribing only its inbox', () => {
    const sysSigning = publicOf(seeds.accounts.SYS.signingKeys[0]);
    expect(verifies(bundle.resolverPush!, sysSigning)).toBe(true);
    expect(bodyOf(bundle.resolverPush!)).toEqual({
      iat: T0,
      iss: sysSigning,
      name: 'resolver-push',
      sub: publicOf(seeds.resolverPush!),
      nats: {
        pub: { allow: ['$SYS.REQ.CLAIMS.UPDATE', '$SYS.REQ.ACCOUNT.*.CLAIMS.LOOKUP'] },
        sub: { allow: ['_INBOX_resolver-push.>'] },
        subs: -1,
        data: -1,
        payload: -1,
        issuer_account: publicOf(seeds.accounts.SYS.seed),
        type: 'user',
        version: 2,
      },
    });
  });

  test('minting again keeps the token; a new SYS signing key re-signs it', () => {
    expect(mintJwts(full, {}, seeds, T1, bundle).resolverPush).toBe(bundle.resolverPush);
    const added = newSigningKey('account');
    const rotated = { ...seeds, accounts: { ...seeds.accounts, SYS: { ...seeds.accounts.SYS, signingKeys: [...seeds.accounts.SYS.signingKeys, added] } } };
    expect(claimsOf(mintJwts(full, {}, rotated, T1, bundle).resolverPush!)).toEqual(expect.objectContaining({ iss: publicOf(added), iat: T1 }));
  });

  test('a full-resolver fleet without the push seed is refused, naming the fix', () => {
    expect(() => mintJwts(full, {}, { ...seeds, resolverPush: undefined }, T0)).toThrow(
      "the age store has no JWT seeds for the full resolver's push user (auth.resolver 'full'); run `npm run keys -- sync` to mint them",
    );
  });

  describe('checkJwts', () => {
    const PERMISSIONS = "resolver-push: its permissions are not the push user's (publish $SYS.REQ.CLAIMS.UPDATE and lookups, subscribe its inbox)";
    test('the minted bundle passes; a push user with any other permission, or not issued by SYS, is named', () => {
      expect(checkJwts(full, {}, bundle)).toEqual([]);
      const at = (token: string) => checkJwts(full, {}, { ...bundle, resolverPush: token });
      expect(at(pushUser({ pub: { allow: ['$SYS.REQ.CLAIMS.UPDATE', '$SYS.REQ.CLAIMS.DELETE'] } }))).toEqual([PERMISSIONS]);
      expect(at(pushUser({ sub: { allow: ['$SYS.>'] } }))).toEqual([PERMISSIONS]);
      expect(at(pushUser({ resp: { max: 1, ttl: 0 } }))).toEqual([PERMISSIONS]);
      expect(at(pushUser({}, kp(seeds.accounts.HARMONY.signingKeys[0])))).toEqual(['resolver-push: not issued by a signing key of account SYS']);
      expect(at(pushUser({ issuer_account: publicOf(seeds.accounts.HARMONY.seed) }))).toEqual(['resolver-push: not issued by a signing key of account SYS', PERMISSIONS]);
      expect(checkJwts(full, {}, { ...bundle, resolverPush: undefined })).toEqual(['resolver-push: no JWT']);
    });

    test('a MEMORY fleet refuses a bundle that still carries the push user', () => {
      expect(checkJwts(memory, {}, bundle)).toEqual(["resolver-push: the fleet's resolver is not 'full' (auth.resolver), yet the bundle still carries the push user"]);
    });
  });
});
