import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_SANS } from '../../lib/nats/certificates';
import { decrypt, encrypt } from '../../lib/secrets/age';
import type { SecretMaterial } from '../../lib/secrets/material';
import { currentKey, mintMaterial, newIdentityKey, publicKeys } from '../../lib/secrets/material';
import { readStore, syncPublicKeys, writeStore } from '../../lib/secrets/store';
import { resticEnvFile, siteTfVars } from '../../lib/secrets/tf-vars';
import { SITE_VARIABLES } from '../../stacks/site-variables';
import { exampleFleet } from '../fixtures/fleet';

const SEED = /S[OAUXNC][A-Z2-7]{56}/;

/** A throwaway age identity; returns its file and its recipient (public key). */
function ageIdentity(dir: string, name: string): { readonly file: string; readonly recipient: string } {
  const file = join(dir, name);
  execFileSync('age-keygen', ['-o', file], { stdio: 'pipe' });
  const recipient = /^# public key: (age1[0-9a-z]+)$/m.exec(readFileSync(file, 'utf8'))![1];
  return { file, recipient };
}

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
