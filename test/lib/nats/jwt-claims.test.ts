import { accountClaim, authorizationResponseClaim, bearerUserClaim, operatorClaim, scopedSigningKey, scopedUserClaim, userClaim } from '../../../lib/nats/jwt-claims';

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

  test('scoped keys are listed with the plain ones, one list sorted by key (nats-io/jwt SigningKeys)', () => {
    const scopedB = scopedSigningKey('AB', 'callout', { publish: ['ui.>'], subscribe: ['ui.>'] });
    const scopedZ = scopedSigningKey('AZ', 'other', { publish: [], subscribe: ['z'] });
    const claim = accountClaim({ signingKeys: ['AM', 'AA'], scopedKeys: [scopedZ, scopedB] });
    expect(claim).toStrictEqual({ limits: UNLIMITED, signing_keys: ['AA', scopedB, 'AM', scopedZ], type: 'account', version: 2 });
    expect(claim.signing_keys).toStrictEqual([
      'AA',
      { kind: 'user_scope', key: 'AB', role: 'callout', template: { pub: { allow: ['ui.>'] }, sub: { allow: ['ui.>'] }, subs: -1, data: -1, payload: -1 }, description: '' },
      'AM',
      { kind: 'user_scope', key: 'AZ', role: 'other', template: { pub: { deny: ['>'] }, sub: { allow: ['z'] }, subs: -1, data: -1, payload: -1 }, description: '' },
    ]);
  });

  test('an empty scopedKeys list changes nothing', () => {
    expect(accountClaim({ signingKeys: ['AB', 'AA'], scopedKeys: [] })).toStrictEqual({ limits: UNLIMITED, signing_keys: ['AA', 'AB'], type: 'account', version: 2 });
  });

  test('callout: an authorization with auth_users and allowed_accounts sorted, and the xkey, between revocations and type', () => {
    const claim = accountClaim({
      signingKeys: ['AK'],
      revocations: { UR: 5 },
      callout: { authUsers: ['UZZ', 'UAA'], allowedAccounts: ['AZZ', 'AAA', 'AMM'], xkey: 'XKEY' },
    });
    expect(claim).toStrictEqual({
      limits: UNLIMITED,
      signing_keys: ['AK'],
      revocations: { UR: 5 },
      authorization: { auth_users: ['UAA', 'UZZ'], allowed_accounts: ['AAA', 'AMM', 'AZZ'], xkey: 'XKEY' },
      type: 'account',
      version: 2,
    });
    expect(Object.keys(claim)).toEqual(['limits', 'signing_keys', 'revocations', 'authorization', 'type', 'version']);
    expect(Object.keys(claim.authorization as object)).toEqual(['auth_users', 'allowed_accounts', 'xkey']);
  });

  test("callout: sorts copies, the caller's lists keep their order", () => {
    const authUsers = ['UB', 'UA'];
    const allowedAccounts = ['AB', 'AA'];
    accountClaim({ signingKeys: [], callout: { authUsers, allowedAccounts, xkey: 'X' } });
    expect([authUsers, allowedAccounts]).toEqual([['UB', 'UA'], ['AB', 'AA']]);
  });

  test('no authorization field without a callout', () => {
    const claim = accountClaim({ signingKeys: ['AK'], scopedKeys: [scopedSigningKey('AS', 'callout', { publish: ['p'], subscribe: ['s'] })] });
    expect('authorization' in claim).toBe(false);
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

  test('responses: may answer one reply per request, without time limit (resp {max: 1, ttl: 0})', () => {
    const permissions = { publish: [], subscribe: ['$SYS.REQ.USER.AUTH'] };
    expect(userClaim({ permissions, issuerAccount: 'ACALL', responses: true })).toStrictEqual({
      pub: { deny: ['>'] },
      sub: { allow: ['$SYS.REQ.USER.AUTH'] },
      resp: { max: 1, ttl: 0 },
      subs: -1,
      data: -1,
      payload: -1,
      issuer_account: 'ACALL',
      type: 'user',
      version: 2,
    });
  });

  test('no resp field unless responses is true', () => {
    const permissions = { publish: ['p'], subscribe: ['s'] };
    for (const responses of [undefined, false]) {
      const claim = userClaim({ permissions, issuerAccount: 'A', responses });
      expect('resp' in claim).toBe(false);
      expect(claim).toStrictEqual({ pub: { allow: ['p'] }, sub: { allow: ['s'] }, subs: -1, data: -1, payload: -1, issuer_account: 'A', type: 'user', version: 2 });
    }
  });
});

describe('scopedSigningKey', () => {
  test('default properties: a user scope of the key and role, the template the allow lists with limits off, no description', () => {
    expect(scopedSigningKey('ASCOPE', 'callout', { publish: ['ui.>', 'app.x'], subscribe: ['ui.>', '_INBOX_callout.>'] })).toStrictEqual({
      kind: 'user_scope',
      key: 'ASCOPE',
      role: 'callout',
      template: { pub: { allow: ['ui.>', 'app.x'] }, sub: { allow: ['ui.>', '_INBOX_callout.>'] }, subs: -1, data: -1, payload: -1 },
      description: '',
    });
  });

  test('an empty list in the template is a deny of everything, as in a user JWT', () => {
    const key = scopedSigningKey('A', 'r', { publish: [], subscribe: [] });
    expect(key.template).toStrictEqual({ pub: { deny: ['>'] }, sub: { deny: ['>'] }, subs: -1, data: -1, payload: -1 });
  });

  test('the template holds copies of the lists', () => {
    const permissions = { publish: ['a'], subscribe: ['b'] };
    const template = scopedSigningKey('A', 'r', permissions).template as { pub: { allow: string[] }; sub: { allow: string[] } };
    expect(template.pub.allow).not.toBe(permissions.publish);
    expect(template.sub.allow).not.toBe(permissions.subscribe);
  });
});

describe('bearerUserClaim', () => {
  test('default properties: denies everything, limits off, a bearer token of the issuer account', () => {
    expect(bearerUserClaim('ACALLOUT')).toStrictEqual({
      pub: { deny: ['>'] },
      sub: { deny: ['>'] },
      subs: -1,
      data: -1,
      payload: -1,
      bearer_token: true,
      issuer_account: 'ACALLOUT',
      type: 'user',
      version: 2,
    });
  });
});

describe('scopedUserClaim', () => {
  test('default properties: the issuer account and nothing else (the scope template applies)', () => {
    expect(scopedUserClaim('AAPP')).toStrictEqual({ issuer_account: 'AAPP', type: 'user', version: 2 });
  });
});

describe('authorizationResponseClaim', () => {
  test('an admission carries the user JWT, no error', () => {
    expect(authorizationResponseClaim({ jwt: 'h.p.s' })).toStrictEqual({ jwt: 'h.p.s', type: 'authorization_response', version: 2 });
  });

  test('a refusal carries the error, no jwt', () => {
    expect(authorizationResponseClaim({ error: 'bad token' })).toStrictEqual({ error: 'bad token', type: 'authorization_response', version: 2 });
  });
});
