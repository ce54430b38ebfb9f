import { fromCurveSeed, fromSeed } from 'nkeys.js';
import type { Fleet } from '../../../config/types';
import type { CalloutSeeds } from '../../../lib/nats/jwt-callout';
import {
  AUTH_CALLOUT_SUBJECT,
  CALLOUT_ACCOUNT,
  CALLOUT_ROLE,
  RESPONDER_PERMISSIONS,
  appScopedKeys,
  calloutAccountClaim,
  calloutOf,
  calloutPermissions,
  calloutUserClaims,
  xkeyPublicOf,
} from '../../../lib/nats/jwt-callout';
import { publicKeyOf } from '../../../lib/nats/jwt';
import { newCalloutSeeds } from '../../../lib/secrets/material';
import { exampleFleet } from '../../fixtures/fleet';

// Public keys are derived here with nkeys.js, never with the helpers under
// test; claims are written out field by field (nats-io/jwt v2
// account_claims.go ExternalAuthorization, user_claims.go, signingkeys.go).

const UNLIMITED = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
const bytes = (seed: string): Uint8Array => new TextEncoder().encode(seed);
const pub = (seed: string): string => fromSeed(bytes(seed)).getPublicKey();
const xpub = (seed: string): string => fromCurveSeed(bytes(seed)).getPublicKey();

const spec = { permissions: { publish: ['ui.>'], subscribe: ['ui.>', 'news.*'] } };
const calloutFleet: Fleet = { ...exampleFleet, auth: { mode: 'jwt', callout: spec } };
const jwtFleet: Fleet = { ...exampleFleet, auth: { mode: 'jwt' } };

describe('auth callout constants', () => {
  test('the CALLOUT account, the role of the scoped key, the subject nats-server sends requests to', () => {
    expect(CALLOUT_ACCOUNT).toBe('CALLOUT');
    expect(CALLOUT_ROLE).toBe('callout');
    expect(AUTH_CALLOUT_SUBJECT).toBe('$SYS.REQ.USER.AUTH');
  });

  test('RESPONDER_PERMISSIONS: publishes nothing, subscribes to the request subject only', () => {
    expect(RESPONDER_PERMISSIONS).toStrictEqual({ publish: [], subscribe: ['$SYS.REQ.USER.AUTH'] });
  });
});

describe('calloutPermissions', () => {
  test("default properties: publish as given, subscribe as given plus the callout's own inbox", () => {
    expect(calloutPermissions(spec)).toStrictEqual({ publish: ['ui.>'], subscribe: ['ui.>', 'news.*', '_INBOX_callout.>'] });
  });

  test('empty lists: no publish, the inbox alone to subscribe', () => {
    expect(calloutPermissions({ permissions: { publish: [], subscribe: [] } })).toStrictEqual({ publish: [], subscribe: ['_INBOX_callout.>'] });
  });

  test("copies: the fleet's lists are neither shared nor changed", () => {
    const permissions = { publish: ['a'], subscribe: ['b'] };
    const result = calloutPermissions({ permissions });
    expect(result.publish).not.toBe(permissions.publish);
    expect(result.subscribe).not.toBe(permissions.subscribe);
    expect(permissions).toStrictEqual({ publish: ['a'], subscribe: ['b'] });
  });
});

describe('calloutOf', () => {
  test('nkeys mode, explicit or by default: no callout', () => {
    expect(calloutOf({ ...exampleFleet, auth: undefined })).toBeUndefined();
    expect(calloutOf({ ...exampleFleet, auth: { mode: 'nkeys' } })).toBeUndefined();
  });

  test('JWT mode without a callout: none', () => {
    expect(calloutOf(jwtFleet)).toBeUndefined();
  });

  test('JWT mode with a callout: its spec', () => {
    expect(calloutOf(calloutFleet)).toBe(spec);
  });
});

describe('with callout seeds', () => {
  let seeds: CalloutSeeds;
  let k: { account: string; signing: string; xkey: string; scope: string; responder: string; bearer: string };
  const APP = 'AAPPLICATIONACCOUNT';

  beforeAll(() => {
    seeds = newCalloutSeeds();
    k = {
      account: pub(seeds.account.seed),
      signing: pub(seeds.account.signingKeys[0]),
      xkey: xpub(seeds.xkey),
      scope: pub(seeds.scope),
      responder: pub(seeds.responder),
      bearer: pub(seeds.bearer),
    };
  });

  test('the seeds are of the right kinds: an account with one signing key, a curve key, an account key, two users', () => {
    expect([k.account, k.signing, k.scope].map((key) => key[0])).toEqual(['A', 'A', 'A']);
    expect(k.xkey[0]).toBe('X');
    expect([k.responder[0], k.bearer[0]]).toEqual(['U', 'U']);
    expect(seeds.account.signingKeys).toHaveLength(1);
  });

  test('publicKeyOf and xkeyPublicOf give the public halves', () => {
    expect(publicKeyOf(seeds.responder)).toBe(k.responder);
    expect(publicKeyOf(seeds.scope)).toBe(k.scope);
    expect(xkeyPublicOf(seeds.xkey)).toBe(k.xkey);
  });

  describe('appScopedKeys', () => {
    test('a fleet with a callout and its seeds: one key scoped to the callout permissions, by the scope seed', () => {
      expect(appScopedKeys(calloutFleet, seeds)).toStrictEqual([
        {
          kind: 'user_scope',
          key: k.scope,
          role: 'callout',
          template: { pub: { allow: ['ui.>'] }, sub: { allow: ['ui.>', 'news.*', '_INBOX_callout.>'] }, subs: -1, data: -1, payload: -1 },
          description: '',
        },
      ]);
    });

    test('none without a callout in the fleet, even with seeds', () => {
      expect(appScopedKeys(jwtFleet, seeds)).toStrictEqual([]);
      expect(appScopedKeys(exampleFleet, seeds)).toStrictEqual([]);
    });

    test('none without seeds, even with a callout in the fleet', () => {
      expect(appScopedKeys(calloutFleet, undefined)).toStrictEqual([]);
    });
  });

  describe('calloutAccountClaim', () => {
    test("default properties: no limits, the account's signing keys, authorization naming the responder, the app account and the xkey", () => {
      expect(calloutAccountClaim(seeds, APP)).toStrictEqual({
        limits: UNLIMITED,
        signing_keys: [k.signing],
        authorization: { auth_users: [k.responder], allowed_accounts: [APP], xkey: k.xkey },
        type: 'account',
        version: 2,
      });
    });

    test('no JetStream, no scoped key and no revocations in the CALLOUT account', () => {
      const claim = calloutAccountClaim(seeds, APP);
      expect(Object.keys(claim)).toEqual(['limits', 'signing_keys', 'authorization', 'type', 'version']);
      expect((claim.signing_keys as unknown[]).every((key) => typeof key === 'string')).toBe(true);
    });

    test('two signing keys (a rotation): both listed, sorted', () => {
      const second = newCalloutSeeds().account.signingKeys[0];
      const claim = calloutAccountClaim({ ...seeds, account: { ...seeds.account, signingKeys: [seeds.account.signingKeys[0], second] } }, APP);
      expect(claim.signing_keys).toStrictEqual([k.signing, pub(second)].sort());
    });
  });

  describe('calloutUserClaims', () => {
    test('the responder: its own key, subscribes to the request subject, answers requests, publishes nothing else', () => {
      expect(calloutUserClaims(seeds).responder).toStrictEqual({
        sub: k.responder,
        nats: {
          pub: { deny: ['>'] },
          sub: { allow: ['$SYS.REQ.USER.AUTH'] },
          resp: { max: 1, ttl: 0 },
          subs: -1,
          data: -1,
          payload: -1,
          issuer_account: k.account,
          type: 'user',
          version: 2,
        },
      });
    });

    test('the bearer: its own key, denied everything, a bearer token of the CALLOUT account', () => {
      expect(calloutUserClaims(seeds).bearer).toStrictEqual({
        sub: k.bearer,
        nats: { pub: { deny: ['>'] }, sub: { deny: ['>'] }, subs: -1, data: -1, payload: -1, bearer_token: true, issuer_account: k.account, type: 'user', version: 2 },
      });
    });

    test('exactly the two tokens of CalloutTokens', () => {
      expect(Object.keys(calloutUserClaims(seeds))).toEqual(['responder', 'bearer']);
    });
  });
});
