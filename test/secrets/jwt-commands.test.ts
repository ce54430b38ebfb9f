import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccount, createUser, fromCurveSeed, fromSeed } from 'nkeys.js';
import type { Fleet } from '../../config/types';
import { identityPermissions } from '../../lib/nats/accounts';
import { decodeJwt, encodeJwt } from '../../lib/nats/jwt';
import type { JwtBundle } from '../../lib/nats/jwt-bundle';
import { checkJwts } from '../../lib/nats/jwt-bundle';
import { userClaim } from '../../lib/nats/jwt-claims';
import { formatCreds, printCalloutSecrets, printCreds, retireSigningKey, rotatePushUser, rotateSigningKey } from '../../lib/secrets/jwt-commands';
import type { KeysContext } from '../../lib/secrets/keys-commands';
import { initStore, retireKey, rotateKey, runCli, syncStore } from '../../lib/secrets/keys-commands';
import type { SecretMaterial } from '../../lib/secrets/material';
import { encryptStore, readStore, writeCiphertext } from '../../lib/secrets/store';
import { exampleFleet } from '../fixtures/fleet';
import { ageIdentity } from '../support/age-identity';

const SEED = /S[OAUXNC][A-Z2-7]{56}/;
const T0 = 1_700_000_000;
const T1 = T0 + 3600;
const T2 = T0 + 7200;

const services = [
  { name: 'billing', publish: ['billing.>'], subscribe: ['orders.*'] },
  { name: 'reports', publish: ['reports.>'], subscribe: ['billing.>'] },
];
const jwtFleet: Fleet = { ...exampleFleet, auth: { mode: 'jwt' }, account: { ...exampleFleet.account, services } };
const nkeysFleet: Fleet = { ...jwtFleet, auth: undefined };
const withServices = (list: typeof services): Fleet => ({ ...jwtFleet, account: { ...jwtFleet.account, services: list } });
const calloutFleet: Fleet = { ...jwtFleet, auth: { mode: 'jwt', callout: { permissions: { publish: ['ui.>'], subscribe: ['ui.>'] } } } };

const publicOf = (seed: string): string => fromSeed(new TextEncoder().encode(seed)).getPublicKey();

describe('keys commands in JWT mode', () => {
  let root: string;
  let me: { file: string; recipient: string };
  /** A JWT-mode store made by `init` once (RSA keys take a while); each test works on a copy. */
  let pristine: string;
  const pristineOut: string[] = [];
  let n = 0;

  type Harness = KeysContext & { readonly dir: string; readonly stdout: string[]; readonly stderr: string[] };

  /** A copy of the files in `from` (default: the pristine store made by `init`). */
  function harness(options: { fleet?: Fleet; now?: number; copyJwt?: boolean; from?: string } = {}): Harness {
    const dir = join(root, `case-${++n}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'recipients.txt'), `${me.recipient}\n`);
    for (const file of ['nats.age', 'identities.json', 'secret-revisions.json', ...((options.copyJwt ?? true) ? ['jwt.json'] : [])]) {
      copyFileSync(join(options.from ?? pristine, file), join(dir, file));
    }
    const stdout: string[] = [];
    const stderr: string[] = [];
    return {
      dir,
      stdout,
      stderr,
      fleet: options.fleet ?? jwtFleet,
      storeFile: join(dir, 'nats.age'),
      recipientsFile: join(dir, 'recipients.txt'),
      identitiesFile: join(dir, 'identities.json'),
      identityFile: me.file,
      now: () => options.now ?? T1,
      out: (line) => stdout.push(line),
      warn: (line) => stderr.push(line),
    };
  }
  const jwtText = (dir: string) => readFileSync(join(dir, 'jwt.json'), 'utf8');
  const bundleOf = (dir: string) => JSON.parse(jwtText(dir)) as JwtBundle;
  const identitiesOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'identities.json'), 'utf8')) as Record<string, string[]>;
  const storeOf = (dir: string): SecretMaterial => readStore(me.file, join(dir, 'nats.age'));
  const appSigningKeys = (material: SecretMaterial) => material.jwt!.accounts.HARMONY.signingKeys.map(publicOf);

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'harmony-jwt-keys-'));
    me = ageIdentity(root, 'me.txt');
    pristine = join(root, 'pristine');
    mkdirSync(pristine);
    writeFileSync(join(pristine, 'recipients.txt'), `${me.recipient}\n`);
    initStore({
      fleet: jwtFleet,
      storeFile: join(pristine, 'nats.age'),
      recipientsFile: join(pristine, 'recipients.txt'),
      identitiesFile: join(pristine, 'identities.json'),
      identityFile: me.file,
      now: () => T0,
      out: (line) => pristineOut.push(line),
      warn: () => undefined,
    });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  describe('init', () => {
    test('keeps operator and account seeds in the store, one signing key each', () => {
      const material = storeOf(pristine);
      expect(Object.keys(material.jwt!.accounts).sort()).toEqual(['HARMONY', 'SYS']);
      expect(material.jwt!.operator.seed).toMatch(/^SO/);
      expect(material.jwt!.accounts.HARMONY.signingKeys).toHaveLength(1);
      expect(material.jwt!.revocations).toEqual({});
    });

    test('writes config/jwt.json that checks, and each user JWT carries exactly the allow lists the fleet gives its identity', () => {
      const bundle = bundleOf(pristine);
      const keys = identitiesOf(pristine);
      expect(checkJwts(jwtFleet, keys, bundle)).toEqual([]);
      const permissions = identityPermissions(jwtFleet);
      expect(Object.keys(bundle.users)).toEqual(['agent', 'billing', 'kv-admin', 'kv-snapshot', 'monitor', 'provisioner', 'reports']);
      const material = storeOf(pristine);
      const signer = appSigningKeys(material)[0];
      for (const [identity, p] of permissions) {
        expect(bundle.users[identity]).toHaveLength(1);
        const claims = decodeJwt(bundle.users[identity][0]);
        expect([claims.sub, claims.iss, claims.iat]).toEqual([keys[identity][0], signer, T0]);
        expect(claims.nats.pub).toEqual({ allow: [...p.publish] });
        expect(claims.nats.sub).toEqual({ allow: [...p.subscribe] });
        if (identity === 'billing') expect([claims.nats.pub, claims.nats.sub]).toEqual([{ allow: ['billing.>'] }, { allow: ['orders.*', '_INBOX_billing.>'] }]);
      }
      expect(decodeJwt(bundle.operator).sub).toBe(publicOf(material.jwt!.operator.seed));
    });

    test('the file is sorted 2-space JSON with a trailing newline', () => {
      const text = jwtText(pristine);
      expect(text.endsWith('}\n')).toBe(true);
      expect(Object.keys(JSON.parse(text))).toEqual(['accounts', 'operator', 'users']);
      expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
      expect(Object.keys(JSON.parse(text).accounts)).toEqual(['HARMONY', 'SYS']);
    });

    test('reports every token it signed and asks to commit jwt.json too', () => {
      const users = identitiesOf(pristine);
      expect(pristineOut).toEqual(expect.arrayContaining([`jwt: signed user agent (${users.agent[0]})`, `jwt: signed user reports (${users.reports[0]})`]));
      expect(pristineOut.filter((l) => l.startsWith('jwt: signed '))).toHaveLength(1 + 2 + 7);
      expect(pristineOut[pristineOut.length - 1]).toMatch(/^commit .*nats\.age, .*identities\.json and .*jwt\.json$/);
    });

    test('config/jwt.json holds no seed: every private value stays in the store', () => {
      const text = jwtText(pristine);
      expect(text).not.toMatch(SEED);
      const jwt = storeOf(pristine).jwt!;
      for (const seed of [jwt.operator.seed, ...jwt.operator.signingKeys, ...Object.values(jwt.accounts).flatMap((a) => [a.seed, ...a.signingKeys])]) {
        expect(text).not.toContain(seed);
      }
      expect(pristineOut.join('\n')).not.toMatch(SEED);
    });
  });

  describe('sync', () => {
    test('on an unchanged fleet leaves config/jwt.json and the store byte-identical, even at a later second', () => {
      const h = harness({ now: T2 });
      const store = readFileSync(h.storeFile);
      syncStore(h);
      expect(jwtText(h.dir)).toBe(jwtText(pristine));
      expect(readFileSync(h.storeFile).equals(store)).toBe(true);
      expect(h.stdout).toEqual([expect.stringMatching(/nats\.age is up to date with the fleet$/)]);
    });

    test("re-signs only the token of a service whose permissions changed, and says so; the store stays as it was", () => {
      const fleet = withServices([{ ...services[0], publish: ['billing.>', 'invoices.>'] }, services[1]]);
      const h = harness({ fleet });
      const store = readFileSync(h.storeFile);
      const before = bundleOf(h.dir);
      syncStore(h);
      const after = bundleOf(h.dir);
      const billing = identitiesOf(h.dir).billing[0];
      expect(h.stdout).toEqual([`jwt: re-signed user billing (${billing})`, expect.stringMatching(/is up to date with the fleet; commit .*jwt\.json, deploy, and give re-signed creds/)]);
      expect(after.users.billing).not.toEqual(before.users.billing);
      const claims = decodeJwt(after.users.billing[0]);
      expect([claims.nats.pub, claims.iat]).toEqual([{ allow: ['billing.>', 'invoices.>'] }, T1]);
      expect({ ...after.users, billing: [] }).toEqual({ ...before.users, billing: [] });
      expect(after.operator).toBe(before.operator);
      expect(after.accounts).toEqual(before.accounts);
      expect(readFileSync(h.storeFile).equals(store)).toBe(true);
      expect(checkJwts(fleet, identitiesOf(h.dir), after)).toEqual([]);
    });

    test('revokes every key of a service dropped from the fleet, in the account JWT, at the current second', () => {
      const fleet = withServices([services[0]]);
      const h = harness({ fleet });
      const reports = identitiesOf(h.dir).reports[0];
      syncStore(h);
      expect(storeOf(h.dir).jwt!.revocations).toEqual({ [reports]: T1 });
      const bundle = bundleOf(h.dir);
      const account = decodeJwt(bundle.accounts.HARMONY);
      expect(account.nats.revocations).toEqual({ [reports]: T1 });
      expect(bundle.users.reports).toBeUndefined();
      expect(identitiesOf(h.dir).reports).toBeUndefined();
      expect(h.stdout).toEqual(
        expect.arrayContaining([
          `jwt: re-signed account HARMONY (${account.sub})`,
          `jwt: dropped user reports (${reports})`,
          'identity reports: removed (no longer in the fleet)',
          `identity reports: revoked ${reports} in account HARMONY; a client presenting its JWT is refused once this is deployed`,
        ]),
      );
      expect(checkJwts(fleet, identitiesOf(h.dir), bundle)).toEqual([]);
    });

    test('gives a store from before JWT mode its seeds and writes config/jwt.json', () => {
      const h = harness({ copyJwt: false });
      const { jwt: _dropped, ...old } = storeOf(h.dir);
      writeCiphertext(encryptStore(old, h.recipientsFile), h.storeFile);
      syncStore(h);
      expect(storeOf(h.dir).jwt!.operator.seed).not.toBe(_dropped!.operator.seed);
      expect(h.stdout).toContain("jwt: new operator and account keys (SYS, HARMONY) for fleet.auth.mode 'jwt'");
      expect(checkJwts(jwtFleet, identitiesOf(h.dir), bundleOf(h.dir))).toEqual([]);
    });
  });

  describe('rotate and retire an identity key', () => {
    test('rotate signs a JWT for the new key; retire revokes the old key and drops its JWT', () => {
      const h = harness();
      const [oldKey] = identitiesOf(h.dir).agent;
      const rotated = rotateKey(h, 'agent');
      const newKey = rotated.identities.agent[1].publicKey;
      expect(bundleOf(h.dir).users.agent.map((t) => decodeJwt(t).sub)).toEqual([oldKey, newKey]);
      expect(h.stdout).toContain(`jwt: signed user agent (${newKey})`);
      retireKey({ ...h, now: () => T2 }, 'agent');
      expect(storeOf(h.dir).jwt!.revocations).toEqual({ [oldKey]: T2 });
      const bundle = bundleOf(h.dir);
      expect(decodeJwt(bundle.accounts.HARMONY).nats.revocations).toEqual({ [oldKey]: T2 });
      expect(bundle.users.agent.map((t) => decodeJwt(t).sub)).toEqual([newKey]);
      expect(h.stdout).toContain(`agent: revoked ${oldKey} in account HARMONY; a client presenting its JWT is refused once this is deployed`);
      expect(checkJwts(jwtFleet, identitiesOf(h.dir), bundle)).toEqual([]);
    });

    test('rotate points at `creds` for an identity the deploy does not serve', () => {
      const h = harness();
      rotateKey(h, 'monitor');
      expect(h.stdout.join('\n')).toMatch(/give monitor its new creds \(`npm run keys -- creds monitor`\)/);
    });
  });

  describe('account signing keys', () => {
    test('jwt-rotate-signing-key adds a key, re-signs every user JWT with it and keeps both in the account JWT', () => {
      const h = harness();
      const before = bundleOf(h.dir);
      const [oldSigner] = appSigningKeys(storeOf(h.dir));
      rotateSigningKey(h);
      const signers = appSigningKeys(storeOf(h.dir));
      expect(signers).toHaveLength(2);
      expect(Object.keys(bundleOf(h.dir).users)).toHaveLength(7);
      expect(signers[0]).toBe(oldSigner);
      const bundle = bundleOf(h.dir);
      expect(decodeJwt(bundle.accounts.HARMONY).nats.signing_keys).toEqual([...signers].sort());
      const keys = identitiesOf(h.dir);
      for (const [identity, tokens] of Object.entries(bundle.users)) {
        expect(tokens).toHaveLength(1);
        const claims = decodeJwt(tokens[0]);
        expect([claims.iss, claims.iat, claims.sub]).toEqual([signers[1], T1, keys[identity][0]]);
      }
      expect(bundle.operator).toBe(before.operator);
      expect(bundle.accounts.SYS).toBe(before.accounts.SYS);
      expect(h.stdout.filter((l) => l.startsWith('jwt: re-signed user '))).toHaveLength(7);
      expect(h.stdout).toContain(`account HARMONY: added signing key ${signers[1]} and re-signed every user JWT with it; the old key ${oldSigner} stays trusted`);
      expect(h.stdout.join('\n')).toMatch(/commit .*nats\.age and .*jwt\.json, and deploy[\s\S]*creds <identity>[\s\S]*jwt-retire-signing-key/);
      expect(checkJwts(jwtFleet, identitiesOf(h.dir), bundle)).toEqual([]);
    });

    test('jwt-rotate-signing-key refuses a third key and writes nothing', () => {
      const h = harness();
      rotateSigningKey(h);
      const store = readFileSync(h.storeFile);
      expect(() => rotateSigningKey(h)).toThrow(/account HARMONY already has 2 signing keys.*`npm run keys -- jwt-retire-signing-key`/);
      expect(readFileSync(h.storeFile).equals(store)).toBe(true);
    });

    test('jwt-retire-signing-key leaves the newest key; the user JWTs it signed stay as they were', () => {
      const h = harness();
      rotateSigningKey(h);
      const rotated = bundleOf(h.dir);
      const [oldSigner, newSigner] = appSigningKeys(storeOf(h.dir));
      retireSigningKey({ ...h, now: () => T2 });
      expect(appSigningKeys(storeOf(h.dir))).toEqual([newSigner]);
      const bundle = bundleOf(h.dir);
      expect(decodeJwt(bundle.accounts.HARMONY).nats.signing_keys).toEqual([newSigner]);
      expect(bundle.users).toEqual(rotated.users);
      expect(h.stdout).toContain(`account HARMONY: retired signing key ${oldSigner}; ${newSigner} is its only one`);
      expect(h.stderr).toContain(`user JWTs signed by ${oldSigner} become invalid once this is deployed: clients still using old creds are refused`);
      expect(checkJwts(jwtFleet, identitiesOf(h.dir), bundle)).toEqual([]);
    });

    test('jwt-retire-signing-key refuses the only key', () => {
      const h = harness();
      expect(() => retireSigningKey(h)).toThrow(/account HARMONY has only one signing key, nothing to retire; .*`npm run keys -- jwt-rotate-signing-key`/);
    });
  });

  describe('creds', () => {
    test('formatCreds writes the creds file of nats-io/jwt FormatUserConfig', () => {
      const account = createAccount();
      const user = createUser();
      const seed = new TextDecoder().decode(user.getSeed());
      const jwt = encodeJwt(account, { sub: user.getPublicKey(), name: 'u', iat: T0, nats: userClaim({ permissions: { publish: [], subscribe: [] }, issuerAccount: account.getPublicKey() }) });
      expect(formatCreds(jwt, seed)).toBe(
        [
          '-----BEGIN NATS USER JWT-----',
          jwt,
          '------END NATS USER JWT------',
          '',
          '************************* IMPORTANT *************************',
          'NKEY Seed printed below can be used to sign and prove identity.',
          'NKEYs are sensitive and should be treated as secrets.',
          '',
          '-----BEGIN USER NKEY SEED-----',
          seed,
          '------END USER NKEY SEED------',
          '',
          '*************************************************************',
          '',
        ].join('\n'),
      );
      const other = new TextDecoder().decode(createUser().getSeed());
      expect(() => formatCreds(jwt, other)).toThrow(/not the key of the JWT's subject/);
    });

    test("prints the creds of the identity's current key with its JWT from config/jwt.json, a warning on stderr", () => {
      const h = harness();
      printCreds(h, 'billing');
      const seed = storeOf(h.dir).identities.billing[0].seed;
      const jwt = bundleOf(h.dir).users.billing[0];
      expect(h.stdout).toEqual([
        '-----BEGIN NATS USER JWT-----',
        jwt,
        '------END NATS USER JWT------',
        '',
        '************************* IMPORTANT *************************',
        'NKEY Seed printed below can be used to sign and prove identity.',
        'NKEYs are sensitive and should be treated as secrets.',
        '',
        '-----BEGIN USER NKEY SEED-----',
        seed,
        '------END USER NKEY SEED------',
        '',
        '*************************************************************',
      ]);
      expect(h.stderr).toEqual([expect.stringMatching(/^warning: the creds below hold the SECRET seed of "billing"/)]);
      expect(h.stderr.join('\n')).not.toMatch(SEED);
    });

    test('warns when config/jwt.json does not hold the JWT yet', () => {
      const h = harness({ fleet: withServices([{ ...services[0], subscribe: ['orders.>'] }, services[1]]) });
      printCreds(h, 'billing');
      expect(decodeJwt(h.stdout[1]).nats.sub).toEqual({ allow: ['orders.>', '_INBOX_billing.>'] });
      expect(h.stderr[0]).toMatch(/jwt\.json does not hold this JWT yet; run `npm run keys -- sync`/);
    });
  });

  describe('auth callout', () => {
    /** The pristine store synced once with a fleet that gained a callout; the tests below read it or work on copies. */
    let added: Harness;
    let before: JwtBundle;
    let beforeMaterial: SecretMaterial;

    beforeAll(() => {
      added = harness({ fleet: calloutFleet });
      before = bundleOf(added.dir);
      beforeMaterial = storeOf(added.dir);
      syncStore(added);
    });

    test('sync on a fleet that gains a callout adds jwt.callout to the store, keeping every other seed, and says so', () => {
      const material = storeOf(added.dir);
      const callout = material.jwt!.callout!;
      expect(Object.keys(callout)).toEqual(['account', 'xkey', 'scope', 'responder', 'bearer']);
      expect([callout.account.seed, ...callout.account.signingKeys, callout.xkey, callout.scope, callout.responder, callout.bearer].map((seed) => seed.slice(0, 2))).toEqual([
        'SA',
        'SA',
        'SX',
        'SA',
        'SU',
        'SU',
      ]);
      const { callout: _callout, ...rest } = material.jwt!;
      expect(rest).toEqual(beforeMaterial.jwt);
      expect(material.identities).toEqual(beforeMaterial.identities);
      expect(added.stdout).toContain(
        'jwt: new auth callout keys (account CALLOUT, xkey, a signing key of HARMONY scoped to auth.callout.permissions, the responder and bearer users)',
      );
      expect(added.stdout.join('\n')).not.toMatch(SEED);
    });

    test('config/jwt.json gains the CALLOUT account and the callout tokens, HARMONY its scoped key; the rest stays as it was', () => {
      const callout = storeOf(added.dir).jwt!.callout!;
      const bundle = bundleOf(added.dir);
      expect(Object.keys(bundle.accounts).sort()).toEqual(['CALLOUT', 'HARMONY', 'SYS']);
      const account = decodeJwt(bundle.accounts.CALLOUT);
      expect([account.sub, account.iat]).toEqual([publicOf(callout.account.seed), T1]);
      expect(account.nats.authorization).toEqual({
        auth_users: [publicOf(callout.responder)],
        allowed_accounts: [decodeJwt(bundle.accounts.HARMONY).sub],
        xkey: fromCurveSeed(new TextEncoder().encode(callout.xkey)).getPublicKey(),
      });
      expect(decodeJwt(bundle.callout!.responder).sub).toBe(publicOf(callout.responder));
      expect(decodeJwt(bundle.callout!.bearer).sub).toBe(publicOf(callout.bearer));
      const scoped = (decodeJwt(bundle.accounts.HARMONY).nats.signing_keys as unknown[]).filter((key) => typeof key === 'object');
      expect(scoped).toEqual([expect.objectContaining({ kind: 'user_scope', key: publicOf(callout.scope), role: 'callout' })]);
      expect(bundle.operator).toBe(before.operator);
      expect(bundle.accounts.SYS).toBe(before.accounts.SYS);
      expect(bundle.users).toEqual(before.users);
      expect(Object.keys(JSON.parse(jwtText(added.dir)))).toEqual(['accounts', 'callout', 'operator', 'users']);
      expect(jwtText(added.dir)).not.toMatch(SEED);
      expect(added.stdout).toEqual(
        expect.arrayContaining([`jwt: signed account CALLOUT (${account.sub})`, `jwt: re-signed account HARMONY (${decodeJwt(bundle.accounts.HARMONY).sub})`]),
      );
      expect(checkJwts(calloutFleet, identitiesOf(added.dir), bundle)).toEqual([]);
    });

    test('sync after the callout left the fleet drops its seeds, the CALLOUT account, the tokens and the scoped key, and says so', () => {
      const h = harness({ from: added.dir });
      syncStore(h);
      const material = storeOf(h.dir);
      expect(material.jwt!.callout).toBeUndefined();
      expect(material.jwt!.operator).toEqual(beforeMaterial.jwt!.operator);
      const bundle = bundleOf(h.dir);
      expect(Object.keys(bundle.accounts).sort()).toEqual(['HARMONY', 'SYS']);
      expect(bundle.callout).toBeUndefined();
      expect(decodeJwt(bundle.accounts.HARMONY).nats.signing_keys).toEqual(appSigningKeys(material));
      expect(h.stdout).toEqual(
        expect.arrayContaining([
          'jwt: auth callout removed (no auth.callout in the fleet): account CALLOUT and the scoped signing key leave the account JWTs at the next deploy',
          `jwt: re-signed account HARMONY (${decodeJwt(bundle.accounts.HARMONY).sub})`,
        ]),
      );
      expect(checkJwts(jwtFleet, identitiesOf(h.dir), bundle)).toEqual([]);
    });

    test('sync again with the callout changes nothing', () => {
      const h = harness({ from: added.dir, fleet: calloutFleet, now: T2 });
      const store = readFileSync(h.storeFile);
      syncStore(h);
      expect(jwtText(h.dir)).toBe(jwtText(added.dir));
      expect(readFileSync(h.storeFile).equals(store)).toBe(true);
      expect(h.stdout).toEqual([expect.stringMatching(/nats\.age is up to date with the fleet$/)]);
    });

    test("callout-secrets prints one JSON line: the responder's creds, the callout seeds, the application account; a warning on stderr", () => {
      const h = harness({ from: added.dir, fleet: calloutFleet });
      const store = readFileSync(h.storeFile);
      printCalloutSecrets(h);
      const material = storeOf(h.dir);
      const callout = material.jwt!.callout!;
      expect(h.stdout).toHaveLength(1);
      const printed = JSON.parse(h.stdout[0]) as { credential: { seed: string; jwt: string }; seeds: unknown; appAccount: string };
      expect(Object.keys(printed)).toEqual(['credential', 'seeds', 'appAccount']);
      expect(printed.credential.seed).toBe(callout.responder);
      expect(printed.credential.jwt).toBe(bundleOf(h.dir).callout!.responder);
      const claims = decodeJwt(printed.credential.jwt);
      expect([claims.nats.type, claims.sub, claims.nats.issuer_account]).toEqual(['user', publicOf(callout.responder), publicOf(callout.account.seed)]);
      expect(printed.seeds).toEqual(callout);
      expect(printed.appAccount).toBe(publicOf(material.jwt!.accounts.HARMONY.seed));
      expect(h.stderr).toEqual(['warning: the next line holds the SECRET keys of the auth callout responder; do not paste it into a chat, a ticket, a log or a commit']);
      expect(readFileSync(h.storeFile).equals(store)).toBe(true);
      expect(jwtText(h.dir)).toBe(jwtText(added.dir));
    });

    test('callout-secrets refuses a fleet without a callout, or a store without its seeds, and prints nothing', () => {
      const message = /^the fleet has no auth callout \(fleet\.auth\.callout\); add it, then run `npm run keys -- sync`$/;
      const withoutCallout = harness({ from: added.dir });
      expect(() => printCalloutSecrets(withoutCallout)).toThrow(message);
      const notSynced = harness({ fleet: calloutFleet });
      expect(() => printCalloutSecrets(notSynced)).toThrow(message);
      expect([...withoutCallout.stdout, ...withoutCallout.stderr, ...notSynced.stdout, ...notSynced.stderr]).toEqual([]);
    });
  });

  describe("the full resolver's push user (auth.resolver 'full')", () => {
    const fullFleet: Fleet = { ...jwtFleet, auth: { mode: 'jwt', resolver: 'full' } };

    test('sync on a fleet that moved to the full resolver adds the push seed and its JWT, changing nothing else; sync back to MEMORY drops both', () => {
      const h = harness({ fleet: fullFleet });
      const before = bundleOf(h.dir);
      const beforeMaterial = storeOf(h.dir);
      syncStore(h);
      const material = storeOf(h.dir);
      expect(material.jwt!.resolverPush).toMatch(/^SU[A-Z2-7]{56}$/);
      const { resolverPush: _push, ...rest } = material.jwt!;
      expect(rest).toEqual(beforeMaterial.jwt);
      const bundle = bundleOf(h.dir);
      const push = decodeJwt(bundle.resolverPush!);
      expect([push.sub, push.iss, push.nats.issuer_account, push.iat]).toEqual([
        publicOf(material.jwt!.resolverPush!),
        publicOf(material.jwt!.accounts.SYS.signingKeys[0]),
        publicOf(material.jwt!.accounts.SYS.seed),
        T1,
      ]);
      expect({ ...bundle, resolverPush: undefined }).toEqual({ ...before, resolverPush: undefined });
      expect(checkJwts(fullFleet, identitiesOf(h.dir), bundle)).toEqual([]);
      expect(h.stdout).toContain("jwt: new push user resolver-push in account SYS for auth.resolver 'full' (npm run accounts -- push)");
      expect(h.stdout.join('\n')).not.toMatch(SEED);

      // Back to MEMORY: the seed and token go, and the key is revoked in SYS (its JWT would stay valid otherwise).
      const back = harness({ from: h.dir, fleet: jwtFleet, now: T2 });
      syncStore(back);
      expect(storeOf(back.dir).jwt!.resolverPush).toBeUndefined();
      expect(storeOf(back.dir).jwt!.systemRevocations).toEqual({ [push.sub]: T2 });
      expect(bundleOf(back.dir).resolverPush).toBeUndefined();
      expect(decodeJwt(bundleOf(back.dir).accounts.SYS).nats.revocations).toEqual({ [push.sub]: T2 });
      expect(checkJwts(jwtFleet, identitiesOf(back.dir), bundleOf(back.dir))).toEqual([]);
      expect(back.stdout).toContain("jwt: push user resolver-push removed and revoked in account SYS (auth.resolver is not 'full'): its JWT leaves config/jwt.json");
    });

    test('jwt-rotate-push-user: a new push seed and JWT, the old key revoked in the SYS account JWT from now on; nothing else changes', () => {
      const h = harness({ fleet: fullFleet });
      syncStore(h);
      const before = bundleOf(h.dir);
      const oldSeed = storeOf(h.dir).jwt!.resolverPush!;
      const r = harness({ from: h.dir, fleet: fullFleet, now: T2 });
      rotatePushUser(r);
      const seeds = storeOf(r.dir).jwt!;
      expect(seeds.resolverPush).toMatch(/^SU[A-Z2-7]{56}$/);
      expect(seeds.resolverPush).not.toBe(oldSeed);
      expect(seeds.systemRevocations).toEqual({ [publicOf(oldSeed)]: T2 });
      const after = bundleOf(r.dir);
      expect(decodeJwt(after.resolverPush!).sub).toBe(publicOf(seeds.resolverPush!));
      expect(decodeJwt(after.accounts.SYS).nats.revocations).toEqual({ [publicOf(oldSeed)]: T2 });
      expect([after.operator, after.accounts.HARMONY, after.users]).toEqual([before.operator, before.accounts.HARMONY, before.users]);
      expect(checkJwts(fullFleet, identitiesOf(r.dir), after)).toEqual([]);
      expect(r.stdout).toEqual(
        expect.arrayContaining([
          `jwt: re-signed account SYS (${publicOf(seeds.accounts.SYS.seed)})`,
          `jwt: signed push user resolver-push (${publicOf(seeds.resolverPush!)})`,
          `jwt: dropped push user resolver-push (${publicOf(oldSeed)})`,
          `resolver-push: new key ${publicOf(seeds.resolverPush!)}; the old key ${publicOf(oldSeed)} is revoked in account SYS`,
        ]),
      );
      expect(r.stdout.join('\n')).not.toMatch(SEED);
    });

    test('jwt-rotate-push-user refuses a fleet without the full resolver, changing nothing', () => {
      const h = harness();
      const store = readFileSync(h.storeFile);
      expect(() => rotatePushUser(h)).toThrow("the fleet has no push user: it exists with the full resolver only (auth: { mode: 'jwt', resolver: 'full' }, then `npm run keys -- sync`)");
      expect(readFileSync(h.storeFile).equals(store)).toBe(true);
    });
  });

  describe('nkeys mode preparing the move (auth.prepareJwt)', () => {
    test('sync writes config/jwt.json as JWT mode does, and creds hands out a JWT: the agent can hold one before the switch', () => {
      const prepared: Fleet = { ...nkeysFleet, auth: { mode: 'nkeys', prepareJwt: true } };
      const h = harness({ fleet: prepared, copyJwt: false });
      syncStore(h);
      const bundle = bundleOf(h.dir);
      expect(checkJwts(prepared, identitiesOf(h.dir), bundle)).toEqual([]);
      expect(decodeJwt(bundle.users.agent[0]).sub).toBe(identitiesOf(h.dir).agent[0]);
      const stdout: string[] = [];
      const status = runCli(['creds', 'agent', '--store', h.storeFile, '--recipients', h.recipientsFile, '--identities', h.identitiesFile], {
        fleet: prepared,
        env: { AGE_IDENTITY_FILE: me.file },
        out: (l) => stdout.push(l),
        err: () => undefined,
      });
      expect(status).toBe(0);
      expect(stdout.join('\n')).toContain(bundle.users.agent[0]);
    });
  });

  describe('nkeys mode', () => {
    test.each([['creds', 'agent'], ['jwt-rotate-signing-key'], ['jwt-retire-signing-key'], ['callout-secrets']])('`%s` refuses, naming fleet.auth and the fix', (...argv) => {
      const h = harness({ copyJwt: false });
      const store = readFileSync(h.storeFile);
      const stdout: string[] = [];
      const stderr: string[] = [];
      const status = runCli([...argv, '--store', h.storeFile, '--recipients', h.recipientsFile, '--identities', h.identitiesFile], {
        fleet: nkeysFleet,
        env: { AGE_IDENTITY_FILE: me.file },
        out: (l) => stdout.push(l),
        err: (l) => stderr.push(l),
      });
      expect(status).toBe(1);
      expect(stdout).toEqual([]);
      expect(stderr).toEqual([`keys: \`${argv[0]}\` works in JWT mode only, and fleet.auth.mode is 'nkeys' (the default); set auth: { mode: 'jwt' } (or, moving a running fleet, auth: { mode: 'nkeys', prepareJwt: true }: docs/jwt-migration.md) in config/fleet.ts and run \`npm run keys -- sync\` first`]);
      expect(readFileSync(h.storeFile).equals(store)).toBe(true);
      expect(existsSync(join(h.dir, 'jwt.json'))).toBe(false);
    });

    test('sync, rotate and retire write no config/jwt.json and revoke nothing', () => {
      const h = harness({ fleet: { ...nkeysFleet, account: { ...nkeysFleet.account, services: [services[0]] } }, copyJwt: false });
      syncStore(h);
      rotateKey(h, 'agent');
      retireKey(h, 'agent');
      expect(existsSync(join(h.dir, 'jwt.json'))).toBe(false);
      expect(storeOf(h.dir).jwt!.revocations).toEqual({});
      expect([...h.stdout, ...h.stderr].join('\n')).not.toMatch(/jwt\.json|jwt:|revoked/);
    });
  });

  test('the CLI lists the JWT commands in its usage', () => {
    const stdout: string[] = [];
    expect(runCli(['--help'], { fleet: jwtFleet, env: {}, out: (l) => stdout.push(l), err: () => undefined })).toBe(0);
    for (const command of ['creds <identity>', 'jwt-rotate-signing-key', 'jwt-retire-signing-key', 'callout-secrets', 'jwt-rotate-push-user']) expect(stdout.join('\n')).toContain(command);
  });
});
