import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from 'nkeys.js';
import type { Fleet } from '../../config/types';
import { LOCAL_SANS } from '../../lib/nats/certificates';
import { decrypt, encrypt } from '../../lib/secrets/age';
import type { SecretMaterial } from '../../lib/secrets/material';
import { currentKey, mintMaterial, newCalloutSeeds, newIdentityKey, newJwtSeeds, newSigningKey, publicKeys } from '../../lib/secrets/material';
import { readStore, storeProblem, syncPublicKeys, writeStore } from '../../lib/secrets/store';
import { resticEnvFile, siteTfVars } from '../../lib/secrets/tf-vars';
import { SITE_VARIABLES } from '../../stacks/site-variables';
import { exampleFleet } from '../fixtures/fleet';
import { ageIdentity } from '../support/age-identity';

const SEED = /S[OAUXNC][A-Z2-7]{56}/;

describe('age-encrypted secrets store', () => {
  let dir: string;
  let me: { file: string; recipient: string };
  let other: { file: string; recipient: string };
  let recipients: string;
  let material: SecretMaterial;
  let n = 0;
  const storePath = () => join(dir, `nats-${++n}.age`);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'harmony-store-'));
    me = ageIdentity(dir, 'me.txt');
    other = ageIdentity(dir, 'other.txt');
    recipients = join(dir, 'recipients.txt');
    writeFileSync(recipients, `# test operator\n${me.recipient}\n`);
    material = mintMaterial(exampleFleet, () => LOCAL_SANS);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    delete process.env.AGE_BINARY;
  });

  test('round trip: what is written reads back identical', () => {
    const path = storePath();
    writeStore(material, recipients, path);
    expect(readStore(me.file, path)).toEqual(material);
  });

  test('the store file is armoured ciphertext: no seed, private key or password in it', () => {
    const path = storePath();
    writeStore(material, recipients, path);
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith('-----BEGIN AGE ENCRYPTED FILE-----')).toBe(true);
    expect(text).not.toMatch(SEED);
    expect(text).not.toMatch(/PRIVATE KEY/);
    expect(text).not.toContain(material.gatewayPassword);
  });

  test('every recipient can decrypt', () => {
    const path = storePath();
    const both = join(dir, 'both.txt');
    writeFileSync(both, `${me.recipient}\n${other.recipient}\n`);
    writeStore(material, both, path);
    expect(readStore(other.file, path).gatewayPassword).toBe(material.gatewayPassword);
  });

  test('a wrong identity says whom the store is encrypted to and how to get added', () => {
    const path = storePath();
    writeStore(material, recipients, path);
    expect(() => readStore(other.file, path)).toThrow(/cannot decrypt .*secrets\/recipients\.txt.*npm run keys -- reencrypt/);
  });

  test('a missing identity names AGE_IDENTITY_FILE', () => {
    const path = storePath();
    writeStore(material, recipients, path);
    expect(() => readStore(join(dir, 'nope.txt'), path)).toThrow(/cannot read the age identity .*nope\.txt.*AGE_IDENTITY_FILE/);
    expect(() => readStore(undefined, path)).toThrow(/no age identity.*--identity <file> or set AGE_IDENTITY_FILE/);
  });

  test('a file that is no identity is reported as such', () => {
    const path = storePath();
    writeStore(material, recipients, path);
    expect(() => readStore(recipients, path)).toThrow(/is not a usable age identity/);
  });

  test('a missing store says to run init', () => {
    expect(() => readStore(me.file, join(dir, 'absent.age'))).toThrow(/does not exist.*npm run keys -- init/);
  });

  test('a store that is not JSON is rejected without echoing its content', () => {
    const path = storePath();
    const secret = `${currentKey(material, 'agent').seed} not json`;
    writeFileSync(path, encrypt(secret, recipients));
    let message = '';
    try {
      readStore(me.file, path);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/is not a valid store: its content is not JSON; restore it from git history/);
    expect(message).not.toMatch(SEED);
    expect(message).not.toContain('not json');
  });

  test('a store of the wrong shape names the field, never the value', () => {
    const path = storePath();
    const { gatewayPassword: _dropped, ...rest } = material;
    writeFileSync(path, encrypt(JSON.stringify(rest), recipients));
    expect(() => readStore(me.file, path)).toThrow(/is not a valid store: gatewayPassword must be a non-empty string; restore it from git history/);

    const mismatched = { ...material, identities: { ...material.identities, agent: [{ publicKey: material.identities.agent[0].publicKey, seed: newIdentityKey().seed }] } };
    writeFileSync(path, encrypt(JSON.stringify(mismatched), recipients));
    let message = '';
    try {
      readStore(me.file, path);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/identities\["agent"\]\[0\]\.seed does not belong to its publicKey/);
    expect(message).not.toMatch(SEED);

    writeFileSync(path, encrypt(JSON.stringify({ ...material, version: 2 }), recipients));
    expect(() => readStore(me.file, path)).toThrow(/version must be 1/);
  });

  test('a truncated ciphertext is reported as a damaged file', () => {
    const path = storePath();
    writeStore(material, recipients, path);
    writeFileSync(path, readFileSync(path).subarray(0, 200));
    expect(() => readStore(me.file, path)).toThrow(/not a valid age file.*restore it from git history/);
  });

  test('recipients: missing, empty, or holding a secret key', () => {
    expect(() => encrypt('x', join(dir, 'missing.txt'))).toThrow(/cannot read the recipients file .*missing\.txt/);
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '# only a comment\n\n');
    expect(() => encrypt('x', empty)).toThrow(/lists no age recipient/);
    const leaked = join(dir, 'leaked.txt');
    const secretLine = readFileSync(me.file, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
    writeFileSync(leaked, `${secretLine}\n`);
    let message = '';
    try {
      encrypt('x', leaked);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/holds an AGE-SECRET-KEY: it must list public keys only/);
    expect(message).not.toContain(secretLine);
  });

  test('age not installed says how to install it', () => {
    process.env.AGE_BINARY = join(dir, 'no-such-age');
    expect(() => encrypt('x', recipients)).toThrow(/age is not installed.*apt-get install age.*https:\/\/age-encryption\.org/);
    expect(() => decrypt(Buffer.from('x'), me.file)).toThrow(/age is not installed/);
  });

  test('syncPublicKeys writes sorted 2-space JSON with a trailing newline and no seed', () => {
    const file = join(dir, 'identities.json');
    syncPublicKeys(material, file);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(`${JSON.stringify(publicKeys(material), null, 2)}\n`);
    expect(Object.keys(JSON.parse(text))).toEqual(['agent', 'kv-admin', 'kv-snapshot', 'monitor', 'provisioner']);
    expect(text).not.toMatch(SEED);
    expect(text).not.toMatch(/PRIVATE KEY/);
  });
});

describe('the auth callout seeds in the store (jwt.callout)', () => {
  const calloutFleet: Fleet = { ...exampleFleet, auth: { mode: 'jwt', callout: { permissions: { publish: ['ui.>'], subscribe: ['ui.>'] } } } };
  let dir: string;
  let me: { file: string; recipient: string };
  let recipients: string;
  let material: SecretMaterial;
  /** A user seed made at run time: no message may show it. */
  let secret: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'harmony-store-callout-'));
    me = ageIdentity(dir, 'me.txt');
    recipients = join(dir, 'recipients.txt');
    writeFileSync(recipients, `${me.recipient}\n`);
    // The nkeys material of one site plus JWT seeds: RSA keys are what takes long, not nkeys.
    material = { ...mintMaterial({ ...exampleFleet, sites: exampleFleet.sites.slice(0, 1) }, () => LOCAL_SANS), jwt: newJwtSeeds(calloutFleet) };
    secret = new TextDecoder().decode(createUser().getSeed());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** `material` with jwt.callout replaced by `callout`. */
  const withCallout = (callout: unknown): unknown => ({ ...material, jwt: { ...material.jwt!, callout } });
  const expectProblem = (callout: unknown, problem: string) => {
    const message = storeProblem(withCallout(callout));
    expect(message).toBe(problem);
    expect(message).not.toMatch(SEED);
    expect(message).not.toContain(secret);
  };

  test('default properties: newJwtSeeds gives a callout fleet callout seeds, and the store accepts them', () => {
    expect(Object.keys(material.jwt!.callout!)).toEqual(['account', 'xkey', 'scope', 'responder', 'bearer']);
    expect(storeProblem(material)).toBeUndefined();
  });

  test('round trip: jwt.callout is written and read back identical', () => {
    const path = join(dir, 'nats.age');
    writeStore(material, recipients, path);
    const read = readStore(me.file, path);
    expect(read).toEqual(material);
    expect(read.jwt!.callout).toStrictEqual(material.jwt!.callout);
    const text = readFileSync(path, 'utf8');
    const callout = material.jwt!.callout!;
    for (const seed of [callout.account.seed, ...callout.account.signingKeys, callout.xkey, callout.scope, callout.responder, callout.bearer]) expect(text).not.toContain(seed);
  });

  test('a store without jwt.callout reads back without it', () => {
    const { callout: _callout, ...jwt } = material.jwt!;
    const path = join(dir, 'plain.age');
    writeStore({ ...material, jwt }, recipients, path);
    expect('callout' in readStore(me.file, path).jwt!).toBe(false);
  });

  test('jwt.callout not an object', () => {
    const problem = 'jwt.callout must be an object { account, xkey, scope, responder, bearer }';
    expectProblem(secret, problem);
    expectProblem(null, problem);
    expectProblem([secret], problem);
  });

  test('the CALLOUT account: no signing key, or a seed that is no account seed', () => {
    const callout = material.jwt!.callout!;
    expectProblem({ ...callout, account: { seed: secret, signingKeys: [] } }, 'jwt.callout.account needs a seed and at least one signing key');
    expectProblem({ ...callout, account: secret }, 'jwt.callout.account needs a seed and at least one signing key');
    expectProblem({ ...callout, account: { ...callout.account, seed: secret } }, 'jwt.callout.account.seed is not an nkey account seed');
    expectProblem({ ...callout, account: { ...callout.account, signingKeys: [callout.account.signingKeys[0], secret] } }, 'jwt.callout.account.signingKeys[1] is not an nkey account seed');
  });

  test('an xkey that is not a curve seed', () => {
    const callout = material.jwt!.callout!;
    expectProblem({ ...callout, xkey: secret }, 'jwt.callout.xkey is not a curve (xkey) seed');
    expectProblem({ ...callout, xkey: callout.xkey.toLowerCase() }, 'jwt.callout.xkey is not a curve (xkey) seed');
    expectProblem({ ...callout, xkey: undefined }, 'jwt.callout.xkey is not a curve (xkey) seed');
  });

  test('a scope that is not an account signing key seed', () => {
    const callout = material.jwt!.callout!;
    expectProblem({ ...callout, scope: secret }, 'jwt.callout.scope is not an account signing key seed');
    expectProblem({ ...callout, scope: newSigningKey('operator') }, 'jwt.callout.scope is not an account signing key seed');
    expectProblem({ ...callout, scope: callout.xkey }, 'jwt.callout.scope is not an account signing key seed');
  });

  test('a responder or bearer that is not a user seed', () => {
    const callout = material.jwt!.callout!;
    expectProblem({ ...callout, responder: callout.scope }, 'jwt.callout.responder is not a user seed');
    expectProblem({ ...callout, responder: 7 }, 'jwt.callout.responder is not a user seed');
    expectProblem({ ...callout, bearer: `${secret}X` }, 'jwt.callout.bearer is not a user seed');
    expectProblem({ ...callout, bearer: newCalloutSeeds().xkey }, 'jwt.callout.bearer is not a user seed');
  });

  test('readStore names the field, never the value; writeStore refuses and writes nothing', () => {
    const path = join(dir, 'bad.age');
    const bad = withCallout({ ...material.jwt!.callout!, responder: secret.replace(/^SU/, 'SA') }) as SecretMaterial;
    writeFileSync(path, encrypt(JSON.stringify(bad), recipients));
    let message = '';
    try {
      readStore(me.file, path);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/is not a valid store: jwt\.callout\.responder is not a user seed; restore it from git history$/);
    expect(message).not.toMatch(SEED);
    const never = join(dir, 'never.age');
    expect(() => writeStore(bad, recipients, never)).toThrow(/^refusing to write an invalid store: jwt\.callout\.responder is not a user seed$/);
    expect(() => readFileSync(never)).toThrow(/ENOENT/);
  });
});

describe("the store with the full resolver's push user (jwt.resolverPush, jwt.systemRevocations)", () => {
  const fullFleet = { ...exampleFleet, auth: { mode: 'jwt' as const, resolver: 'full' as const } };
  const material: SecretMaterial = { ...mintMaterial({ ...exampleFleet, sites: exampleFleet.sites.slice(0, 1) }, () => LOCAL_SANS), jwt: newJwtSeeds(fullFleet) };
  const withJwt = (change: Record<string, unknown>): unknown => ({ ...material, jwt: { ...material.jwt!, ...change } });
  const revoked = createUser().getPublicKey();

  test('a push seed and revoked push keys are accepted', () => {
    expect(storeProblem(material)).toBeUndefined();
    expect(storeProblem(withJwt({ systemRevocations: { [revoked]: 1_700_000_000 } }))).toBeUndefined();
  });

  test('a push seed that is not a user seed, or revocations that are not key to seconds, are named without the value', () => {
    const secret = material.jwt!.accounts.SYS.seed;
    for (const resolverPush of [secret, 7, `${material.jwt!.resolverPush}X`]) {
      const message = storeProblem(withJwt({ resolverPush }));
      expect(message).toBe('jwt.resolverPush is not a user seed');
    }
    const REVOCATIONS = 'jwt.systemRevocations must map user public keys to a time in unix seconds';
    expect(storeProblem(withJwt({ systemRevocations: [] }))).toBe(REVOCATIONS);
    expect(storeProblem(withJwt({ systemRevocations: { [revoked]: 1.5 } }))).toBe(REVOCATIONS);
    expect(storeProblem(withJwt({ systemRevocations: { [material.jwt!.resolverPush!]: 1 } }))).toBe(REVOCATIONS);
  });
});

describe('siteTfVars', () => {
  const material = mintMaterial({ ...exampleFleet, sites: exampleFleet.sites.slice(0, 1) }, () => LOCAL_SANS);
  const site = exampleFleet.sites[0].name;

  test("fills every sensitive variable of a site stack", () => {
    const vars = siteTfVars(material, site);
    for (const name of Object.values(SITE_VARIABLES)) expect(vars[`TF_VAR_${name}`]).toBeTruthy();
  });

  test("maps the site's material and the identities' current seeds", () => {
    const rotating: SecretMaterial = { ...material, identities: { ...material.identities, agent: [...material.identities.agent, newIdentityKey()] } };
    expect(siteTfVars(rotating, site)).toEqual({
      TF_VAR_nats_route_password: material.sites[site].routePassword,
      TF_VAR_nats_gateway_password: material.gatewayPassword,
      TF_VAR_nats_tls_cert: material.sites[site].cert.certPem,
      TF_VAR_nats_tls_key: material.sites[site].cert.keyPem,
      TF_VAR_nats_ca_cert: material.ca.certPem,
      TF_VAR_harmony_agent_seed: rotating.identities.agent[1].seed,
      TF_VAR_harmony_provisioner_seed: material.identities.provisioner[0].seed,
      TF_VAR_harmony_kv_snapshot_seed: material.identities['kv-snapshot'][0].seed,
      TF_VAR_harmony_kv_snapshot_restic_password: material.kvSnapshots!.resticPassword,
      TF_VAR_harmony_kv_snapshot_restic_env: '# no backend variables stored: `npm run keys -- kv-snapshot-env NAME,...` sets them\n',
    });
    expect(new X509Certificate(siteTfVars(material, site).TF_VAR_nats_tls_cert).subject).toContain(`nats ${site}`);
  });

  test('a store from before the KV snapshots is refused with the command that completes it', () => {
    const { kvSnapshots: _k, ...noRestic } = material;
    expect(() => siteTfVars(noRestic, site)).toThrow('the secrets store has no restic password for the KV snapshots; run `npm run keys -- sync` (the store predates KV snapshots)');
    const { 'kv-snapshot': _i, ...identities } = material.identities;
    expect(() => siteTfVars({ ...material, identities }, site)).toThrow('the secrets store has no kv-snapshot identity; run `npm run keys -- sync` (the store predates KV snapshots)');
  });

  test('an unknown site names the known ones', () => {
    expect(() => siteTfVars(material, 'site-9')).toThrow(/no material for site "site-9" \(it has: site-1\).*keys -- sync/);
  });
});

describe('resticEnvFile (the KV snapshot CronJob sources it with sh)', () => {
  test('one export per variable, sorted by name, every value single-quoted with its quotes escaped', () => {
    expect(resticEnvFile({ B_KEY: "it's $HOME `id`", A_KEY: 'plain' })).toBe("export A_KEY='plain'\nexport B_KEY='it'\\''s $HOME `id`'\n");
  });

  test('no variable: a comment that says how to set them, never an empty file', () => {
    expect(resticEnvFile({})).toBe('# no backend variables stored: `npm run keys -- kv-snapshot-env NAME,...` sets them\n');
  });
});
