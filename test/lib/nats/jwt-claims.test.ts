import { accountClaim, operatorClaim, userClaim } from '../../../lib/nats/jwt-claims';

// Field names and values written out from nats-io/jwt v2 (operator_claims.go,
// account_claims.go, user_claims.go). toStrictEqual: an absent field must be
// absent, not undefined.

/** NewAccountClaims' limits: everything off (-1, NoLimit), wildcard exports allowed. */
const UNLIMITED = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };

describe('operatorClaim', () => {
  test('default properties: signing keys sorted, the system account, strict signing key usage', () => {
    expect(operatorClaim({ signingKeys: ['OZZ', 'OAA', 'OMM'], systemAccount: 'ASYS' })).toStrictEqual({
      signing_keys: ['OAA', 'OMM', 'OZZ'],
      system_account: 'ASYS',
      strict_signing_key_usage: true,
      type: 'operator',
      version: 2,
    });
  });

  test("sorts a copy: the caller's list keeps its order", () => {
    const keys = ['OB', 'OA'];
    const claim = operatorClaim({ signingKeys: keys, systemAccount: 'AS' });
    expect(keys).toEqual(['OB', 'OA']);
    expect(claim.signing_keys).not.toBe(keys);
  });
});

describe('accountClaim', () => {
  test('default properties: every limit off, no JetStream, no revocations field', () => {
    expect(accountClaim({ signingKeys: ['AB', 'AA'] })).toStrictEqual({ limits: UNLIMITED, signing_keys: ['AA', 'AB'], type: 'account', version: 2 });
  });

  test('JetStream on: storage, streams and consumer limits added to the unlimited ones', () => {
    const claim = accountClaim({ signingKeys: ['AK'], jetstream: { maxMemory: 1024, maxFile: 20 * 1024 ** 3, maxStreams: 16, maxConsumers: 256 } });
    expect(claim).toStrictEqual({
      limits: { ...UNLIMITED, mem_storage: 1024, disk_storage: 21474836480, streams: 16, consumer: 256 },
      signing_keys: ['AK'],
      type: 'account',
      version: 2,
    });
  });

  test('a zero memory limit is written as 0 (JetStream is on by the file limit)', () => {
    const claim = accountClaim({ signingKeys: [], jetstream: { maxMemory: 0, maxFile: 5, maxStreams: 1, maxConsumers: 2 } });
    expect(claim.limits).toStrictEqual({ ...UNLIMITED, mem_storage: 0, disk_storage: 5, streams: 1, consumer: 2 });
    expect(claim.signing_keys).toStrictEqual([]);
  });

  test('revocations: user keys sorted, each with its second', () => {
    const claim = accountClaim({ signingKeys: ['AK'], revocations: { UZZ: 300, UAA: 100, UMM: 200 } });
    expect(claim).toStrictEqual({ limits: UNLIMITED, signing_keys: ['AK'], revocations: { UAA: 100, UMM: 200, UZZ: 300 }, type: 'account', version: 2 });
    expect(Object.keys(claim.revocations as object)).toEqual(['UAA', 'UMM', 'UZZ']);
  });

  test('no revocations field when the list is empty', () => {
    expect(accountClaim({ signingKeys: ['AK'], revocations: {} })).toStrictEqual({ limits: UNLIMITED, signing_keys: ['AK'], type: 'account', version: 2 });
  });

  test("sorts a copy of the signing keys: the caller's list keeps its order", () => {
    const keys = ['AZ', 'AA'];
    accountClaim({ signingKeys: keys });
    expect(keys).toEqual(['AZ', 'AA']);
  });
});

describe('userClaim', () => {
  test('default properties: the allow lists, limits off, the issuer account', () => {
    const permissions = { publish: ['a.>', '$JS.API.INFO'], subscribe: ['_INBOX_agent.>'] };
    expect(userClaim({ permissions, issuerAccount: 'AAPP' })).toStrictEqual({
      pub: { allow: ['a.>', '$JS.API.INFO'] },
      sub: { allow: ['_INBOX_agent.>'] },
      subs: -1,
      data: -1,
      payload: -1,
      issuer_account: 'AAPP',
      type: 'user',
      version: 2,
    });
  });

  test('allow lists are copies in the given order, not the permission arrays themselves', () => {
    const permissions = { publish: ['z', 'a'], subscribe: ['y', 'b'] };
    const claim = userClaim({ permissions, issuerAccount: 'A' }) as unknown as { pub: { allow: string[] }; sub: { allow: string[] } };
    expect(claim.pub.allow).toEqual(['z', 'a']);
    expect(claim.sub.allow).toEqual(['y', 'b']);
    expect(claim.pub.allow).not.toBe(permissions.publish);
    expect(claim.sub.allow).not.toBe(permissions.subscribe);
  });

  test('an empty list is written as a deny of everything (an empty allow list restricts nothing to nats-server)', () => {
    expect(userClaim({ permissions: { publish: [], subscribe: ['s.>'] }, issuerAccount: 'A' })).toStrictEqual({
      pub: { deny: ['>'] },
      sub: { allow: ['s.>'] },
      subs: -1,
      data: -1,
      payload: -1,
      issuer_account: 'A',
      type: 'user',
      version: 2,
    });
    const claim = userClaim({ permissions: { publish: ['p'], subscribe: [] }, issuerAccount: 'A' });
    expect(claim.pub).toStrictEqual({ allow: ['p'] });
    expect(claim.sub).toStrictEqual({ deny: ['>'] });
  });
});
