import type { Fleet } from '../../config/types';
import { validateFleet } from '../../config/validate';
import { validateAuth } from '../../config/validate-auth';
import type { JwtBundle } from '../../lib/nats/jwt-bundle';
import { mintJwts } from '../../lib/nats/jwt-bundle';
import { newJwtSeeds } from '../../lib/secrets/material';
import { exampleFleet, exampleIdentities, withSite } from '../fixtures/fleet';

const T0 = 1_700_000_000;
const FIX = 'run `npm run keys -- sync` to re-sign what changed, commit config/jwt.json, and give the re-issued credentials to their holders';
const MISSING =
  "auth.mode is 'jwt' but config/jwt.json does not exist: run `npm run keys -- sync` to mint the operator, the accounts and a user JWT per identity key, then commit config/jwt.json";
const withStreams = (fleet: Fleet, maxStreams: number): Fleet => ({ ...fleet, account: { ...fleet.account, jetstream: { ...fleet.account.jetstream, maxStreams } } });

describe('validateAuth', () => {
  let jwtFleet: Fleet;
  let bundle: JwtBundle;
  beforeAll(() => {
    jwtFleet = { ...exampleFleet, auth: { mode: 'jwt' } };
    bundle = mintJwts(jwtFleet, exampleIdentities, newJwtSeeds(jwtFleet), T0);
  });

  test('default properties: nkeys mode checks no JWT, whether there is a file or not', () => {
    const broken: JwtBundle = { operator: '', accounts: {}, users: {} };
    expect(validateAuth(exampleFleet, exampleIdentities, undefined)).toStrictEqual([]);
    expect(validateAuth(exampleFleet, exampleIdentities, broken)).toStrictEqual([]);
    expect(validateAuth({ ...exampleFleet, auth: { mode: 'nkeys' } }, exampleIdentities, broken)).toStrictEqual([]);
  });

  test('JWT mode without config/jwt.json: one problem naming the file and `npm run keys -- sync`', () => {
    expect(validateAuth(jwtFleet, exampleIdentities, undefined)).toStrictEqual([MISSING]);
  });

  test('nkeys mode preparing the move (auth.prepareJwt) checks config/jwt.json as JWT mode does', () => {
    const prepared: Fleet = { ...exampleFleet, auth: { mode: 'nkeys', prepareJwt: true } };
    expect(validateAuth(prepared, exampleIdentities, undefined)).toStrictEqual([MISSING.replace("auth.mode is 'jwt'", 'auth.prepareJwt is set')]);
    expect(validateAuth(prepared, exampleIdentities, bundle)).toStrictEqual([]);
    expect(validateAuth(withStreams(prepared, 17), exampleIdentities, bundle)).toStrictEqual([
      `config/jwt.json: account HARMONY: JetStream limit streams is ${exampleFleet.account.jetstream.maxStreams}, the fleet says 17 (account.jetstream); ${FIX}`,
    ]);
    expect(validateAuth({ ...exampleFleet, auth: { mode: 'nkeys', prepareJwt: false } }, exampleIdentities, undefined)).toStrictEqual([]);
  });

  test("auth.resolver: 'memory' and 'full' pass, anything else is refused naming both", () => {
    const full: Fleet = { ...exampleFleet, auth: { mode: 'jwt', resolver: 'full' } };
    const fullBundle = mintJwts(full, exampleIdentities, newJwtSeeds(full), T0);
    expect(validateAuth(full, exampleIdentities, fullBundle)).toStrictEqual([]);
    expect(validateAuth({ ...exampleFleet, auth: { mode: 'jwt', resolver: 'memory' } }, exampleIdentities, bundle)).toStrictEqual([]);
    // The push user exists exactly with the full resolver.
    expect(validateAuth(full, exampleIdentities, bundle)).toStrictEqual([`config/jwt.json: resolver-push: no JWT; ${FIX}`]);
    expect(validateAuth(jwtFleet, exampleIdentities, fullBundle)).toStrictEqual([
      `config/jwt.json: resolver-push: the fleet's resolver is not 'full' (auth.resolver), yet the bundle still carries the push user; ${FIX}`,
    ]);
    const typo = { ...exampleFleet, auth: { mode: 'jwt', resolver: 'ful' } } as unknown as Fleet;
    expect(validateAuth(typo, exampleIdentities, bundle)).toStrictEqual([
      "auth.resolver is \"ful\": use 'memory' (the default: account JWTs preloaded from the accounts include) or 'full' (also kept on a PVC per server)",
    ]);
  });

  test('JWT mode with a bundle that agrees with the fleet: no problem', () => {
    expect(validateAuth(jwtFleet, exampleIdentities, bundle)).toStrictEqual([]);
  });

  test("each problem of the bundle, prefixed with config/jwt.json and followed by the fix", () => {
    expect(validateAuth(withStreams(jwtFleet, 17), exampleIdentities, bundle)).toStrictEqual([
      `config/jwt.json: account HARMONY: JetStream limit streams is 16, the fleet says 17 (account.jetstream); ${FIX}`,
    ]);
    expect(validateAuth(jwtFleet, exampleIdentities, { ...bundle, operator: '' })).toStrictEqual([`config/jwt.json: operator: no JWT; ${FIX}`]);
  });
});

describe('validateFleet in JWT mode', () => {
  let jwtFleet: Fleet;
  let bundle: JwtBundle;
  beforeAll(() => {
    jwtFleet = { ...exampleFleet, auth: { mode: 'jwt' } };
    bundle = mintJwts(jwtFleet, exampleIdentities, newJwtSeeds(jwtFleet), T0);
  });

  test('default properties: the example fleet with a valid bundle is valid', () => {
    expect(validateFleet(jwtFleet, exampleIdentities, bundle)).toStrictEqual([]);
  });

  test('without a bundle: the missing config/jwt.json', () => {
    expect(validateFleet(jwtFleet, exampleIdentities)).toStrictEqual([MISSING]);
  });

  test('a stale bundle: its problems', () => {
    expect(validateFleet(withStreams(jwtFleet, 17), exampleIdentities, bundle)).toStrictEqual([
      `config/jwt.json: account HARMONY: JetStream limit streams is 16, the fleet says 17 (account.jetstream); ${FIX}`,
    ]);
  });

  test('the tokens are checked only once the rest of the fleet is sound', () => {
    const found = validateFleet(withSite(0, { name: 'Site_1' }, jwtFleet), exampleIdentities);
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/^sites\[0\]\.name is "Site_1"/)]));
    expect(found.join('\n')).not.toContain('config/jwt.json');
  });
});

describe('auth.callout', () => {
  const withCallout = (publish: string[], subscribe: string[]): Fleet => ({ ...exampleFleet, auth: { mode: 'jwt', callout: { permissions: { publish, subscribe } } } });

  test('default properties: application subjects pass the callout rules (the tokens are checked next)', () => {
    expect(validateAuth(withCallout(['ui.>'], ['ui.>']), exampleIdentities, undefined)).toStrictEqual([MISSING]);
  });

  test('empty lists would admit clients that can do nothing', () => {
    expect(validateAuth(withCallout([], []), exampleIdentities, undefined)).toStrictEqual([
      'auth.callout.permissions has empty publish and subscribe lists: admitted clients could do nothing; list the subjects the frontend needs, e.g. "ui.>"',
    ]);
  });

  test.each([
    ['$KV.HARMONY.>', 'publish', /^auth\.callout\.permissions\.publish\[0\] is "\$KV\.HARMONY\.>": it reaches the platform's own subjects/],
    ['>', 'subscribe', /^auth\.callout\.permissions\.subscribe\[0\] is ">": it grants JetStream management/],
    ['_INBOX.>', 'subscribe', /^auth\.callout\.permissions\.subscribe\[0\] is "_INBOX\.>": it reaches the platform's own subjects/],
    ['ui..x', 'publish', /^auth\.callout\.permissions\.publish\[0\] is "ui\.\.x": not a NATS subject/],
  ])('%s in %s is refused, naming the field', (subject, kind, message) => {
    const fleet = kind === 'publish' ? withCallout([subject], ['ui.>']) : withCallout(['ui.>'], [subject]);
    const found = validateAuth(fleet, exampleIdentities, undefined);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });
});
