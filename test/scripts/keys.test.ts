import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fleet } from '../../config/types';
import { siteCertificateSans } from '../../lib/nats/certificates';
import type { KeysContext } from '../../lib/secrets/keys-commands';
import { UsageError, initStore, listKeys, printSeed, reencryptStore, retireKey, rotateKey, runCli, setKvSnapshotEnv, syncStore } from '../../lib/secrets/keys-commands';
import { encryptStore, readStore, writeCiphertext } from '../../lib/secrets/store';
import { currentKey, publicKeys } from '../../lib/secrets/material';
import { exampleFleet, withSite } from '../fixtures/fleet';
import { ageIdentity } from '../support/age-identity';

const SEED = /S[OAUXNC][A-Z2-7]{56}/;
const REPO = join(__dirname, '..', '..');

describe('keys commands', () => {
  let root: string;
  let me: { file: string; recipient: string };
  let other: { file: string; recipient: string };
  /** A store made by `init` once (RSA keys take a while); each test works on a copy. */
  let pristine: string;
  let n = 0;

  type Harness = KeysContext & { readonly dir: string; readonly stdout: string[]; readonly stderr: string[] };

  function harness(options: { fleet?: Fleet; identityFile?: string | null; copyStore?: boolean } = {}): Harness {
    const dir = join(root, `case-${++n}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'recipients.txt'), `# test operator\n${me.recipient}\n`);
    if (options.copyStore ?? true) {
      copyFileSync(join(pristine, 'nats.age'), join(dir, 'nats.age'));
      copyFileSync(join(pristine, 'identities.json'), join(dir, 'identities.json'));
      copyFileSync(join(pristine, 'secret-revisions.json'), join(dir, 'secret-revisions.json'));
    }
    const stdout: string[] = [];
    const stderr: string[] = [];
    return {
      dir,
      stdout,
      stderr,
      fleet: options.fleet ?? exampleFleet,
      storeFile: join(dir, 'nats.age'),
      recipientsFile: join(dir, 'recipients.txt'),
      identitiesFile: join(dir, 'identities.json'),
      identityFile: options.identityFile === null ? undefined : (options.identityFile ?? me.file),
      out: (line) => stdout.push(line),
      warn: (line) => stderr.push(line),
    };
  }
  const identitiesOf = (h: Harness) => JSON.parse(readFileSync(h.identitiesFile, 'utf8')) as Record<string, string[]>;
  const revisionsOf = (h: Harness) => JSON.parse(readFileSync(join(h.dir, 'secret-revisions.json'), 'utf8')) as Record<string, Record<string, number>>;
  const ONES = { 'nats-tls': 1, 'nats-auth': 1, 'harmony-agent-nkey': 1, 'harmony-provisioner-nkey': 1, 'harmony-kv-snapshot-nkey': 1, 'harmony-kv-snapshot-restic': 1 };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'harmony-keys-'));
    me = ageIdentity(root, 'me.txt');
    other = ageIdentity(root, 'other.txt');
    pristine = join(root, 'pristine');
    mkdirSync(pristine);
    writeFileSync(join(pristine, 'recipients.txt'), `${me.recipient}\n`);
    initStore({
      fleet: exampleFleet,
      storeFile: join(pristine, 'nats.age'),
      recipientsFile: join(pristine, 'recipients.txt'),
      identitiesFile: join(pristine, 'identities.json'),
      identityFile: me.file,
      out: () => undefined,
      warn: () => undefined,
    });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  describe('init', () => {
    test('mints the fleet, writes the store and the public keys, prints no secret', () => {
      const h = harness({ copyStore: false });
      const material = initStore(h);
      expect(Object.keys(material.sites).sort()).toEqual(['site-1', 'site-2', 'site-3']);
      expect(readStore(me.file, h.storeFile)).toEqual(material);
      expect(identitiesOf(h)).toEqual(publicKeys(material));
      // nkeys mode (the default): no JWT seeds, no config/jwt.json.
      expect(material.jwt).toBeUndefined();
      expect(existsSync(join(h.dir, 'jwt.json'))).toBe(false);
      const printed = [...h.stdout, ...h.stderr].join('\n');
      expect(printed).toContain(material.identities.agent[0].publicKey);
      expect(printed).not.toMatch(SEED);
      expect(printed).not.toMatch(/PRIVATE KEY/);
      expect(printed).not.toContain(material.gatewayPassword);
    });

    test("certificates carry each site's deployed names", () => {
      const material = readStore(me.file, join(pristine, 'nats.age'));
      const cert = new X509Certificate(material.sites['site-2'].cert.certPem);
      expect(cert.subjectAltName).toContain('DNS:nats-gw.site-2.example.org');
      expect(cert.subjectAltName).toContain('IP Address:198.51.100.22');
      expect(cert.verify(new X509Certificate(material.ca.certPem).publicKey)).toBe(true);
      expect(siteCertificateSans(exampleFleet.sites[1]).dnsNames).toContain('nats-gw.site-2.example.org');
    });

    test('refuses when the store exists and leaves it untouched', () => {
      const h = harness();
      const before = readFileSync(h.storeFile);
      expect(() => initStore(h)).toThrow(/already exists.*`sync` \(add-missing\).*`rotate <identity>`/);
      expect(readFileSync(h.storeFile)).toEqual(before);
    });

    test('refuses to write a store the operator could not decrypt', () => {
      const h = harness({ copyStore: false, identityFile: other.file });
      expect(() => initStore(h)).toThrow(/other\.txt is not among the recipients.*nothing was written/);
      expect(existsSync(h.storeFile)).toBe(false);
      expect(existsSync(h.identitiesFile)).toBe(false);
    });
  });

  describe('Secret revisions (what makes Terraform rewrite a write-only Secret)', () => {
    test('init writes revision 1 of every Secret of every site beside the public keys', () => {
      const h = harness();
      expect(revisionsOf(h)).toEqual({ 'site-1': ONES, 'site-2': ONES, 'site-3': ONES });
    });

    test("rotate agent bumps every site's agent Secret, and nothing else; retire changes nothing deployed", () => {
      const h = harness();
      rotateKey(h, 'agent');
      const bumped = { ...ONES, 'harmony-agent-nkey': 2 };
      expect(revisionsOf(h)).toEqual({ 'site-1': bumped, 'site-2': bumped, 'site-3': bumped });
      retireKey(h, 'agent');
      expect(revisionsOf(h)).toEqual({ 'site-1': bumped, 'site-2': bumped, 'site-3': bumped });
    });

    test('rotating an identity no site holds (monitor) bumps nothing', () => {
      const h = harness();
      rotateKey(h, 'monitor');
      expect(revisionsOf(h)).toEqual({ 'site-1': ONES, 'site-2': ONES, 'site-3': ONES });
    });

    test("sync re-issuing one site's certificate bumps that site's TLS Secret only; a new site starts at 1", () => {
      const h = harness({ fleet: withSite(1, { gateway: { ...exampleFleet.sites[1].gateway, extraHosts: ['198.51.100.24', '198.51.100.25'] } }) });
      syncStore(h);
      expect(revisionsOf(h)).toEqual({ 'site-1': ONES, 'site-2': { ...ONES, 'nats-tls': 2 }, 'site-3': ONES });
    });

    test('reencrypt changes no revision', () => {
      const h = harness();
      reencryptStore(h);
      expect(revisionsOf(h)).toEqual({ 'site-1': ONES, 'site-2': ONES, 'site-3': ONES });
    });
  });

  describe('kv-snapshot-env (restic backend credentials of the KV snapshots)', () => {
    const secret = "it's $HOME `x`";
    test('stores the named variables from the environment, never from the command line, and bumps only the restic Secret of every site', () => {
      const h = { ...harness(), env: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: secret, UNRELATED: 'no' } };
      const before = readStore(me.file, h.storeFile).kvSnapshots!;
      setKvSnapshotEnv(h, 'AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY');
      const after = readStore(me.file, h.storeFile).kvSnapshots!;
      expect(after).toEqual({ resticPassword: before.resticPassword, env: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: secret } });
      const bumped = { ...ONES, 'harmony-kv-snapshot-restic': 2 };
      expect(revisionsOf(h)).toEqual({ 'site-1': bumped, 'site-2': bumped, 'site-3': bumped });
      expect(h.stdout.join('\n')).toBe('kv snapshots: stored AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY for the restic repository; commit, then deploy the home site\'s stack');
      expect(h.stdout.join('\n')).not.toContain('AKIDEXAMPLE');
    });

    test.each([
      ['RESTIC_PASSWORD', /not a backend variable: RESTIC_PASSWORD/],
      ['RESTIC_REPOSITORY', /not a backend variable: RESTIC_REPOSITORY.*the repository comes from the fleet/],
      ['aws_key', /not a backend variable: aws_key/],
      ['AWS_ACCESS_KEY_ID,$(id)', /not a backend variable: \$\(id\)/],
    ])('refuses %s as a name (exit 2)', (names, message) => {
      const h = { ...harness(), env: {} };
      const err = (() => {
        try {
          setKvSnapshotEnv(h, names);
        } catch (e) {
          return e as Error;
        }
        throw new Error('accepted');
      })();
      expect(err).toBeInstanceOf(UsageError);
      expect(err.message).toMatch(message);
      expect(revisionsOf(h)).toEqual({ 'site-1': ONES, 'site-2': ONES, 'site-3': ONES });
    });

    test('a variable missing from the environment is refused, naming it, and nothing changes', () => {
      const h = { ...harness(), env: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE' } };
      const store = readFileSync(h.storeFile);
      expect(() => setKvSnapshotEnv(h, 'AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY')).toThrow(/^AWS_SECRET_ACCESS_KEY not set in the environment: export them first/);
      expect(readFileSync(h.storeFile).equals(store)).toBe(true);
    });

    test('sync gives a store from before the KV snapshots a restic password and the kv-snapshot identity, and starts their Secrets', () => {
      const h = harness();
      const { kvSnapshots: _dropped, ...old } = readStore(me.file, h.storeFile);
      const { 'kv-snapshot': _identity, ...identities } = old.identities;
      writeCiphertext(encryptStore({ ...old, identities }, h.recipientsFile), h.storeFile);
      syncStore(h);
      const synced = readStore(me.file, h.storeFile);
      expect(synced.kvSnapshots?.resticPassword).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(synced.kvSnapshots?.env).toEqual({});
      expect(synced.identities['kv-snapshot']).toHaveLength(1);
      expect(h.stdout.join('\n')).toContain('kv snapshots: new restic repository password');
      const bumped = { ...ONES, 'harmony-kv-snapshot-nkey': 2, 'harmony-kv-snapshot-restic': 2 };
      expect(revisionsOf(h)).toEqual({ 'site-1': bumped, 'site-2': bumped, 'site-3': bumped });
    });
  });

  describe('rotate and retire (ADR-0017)', () => {
    test('rotate adds a second key and config/identities.json lists both, old first', () => {
      const h = harness();
      const old = identitiesOf(h).agent;
      const material = rotateKey(h, 'agent');
      const keys = identitiesOf(h).agent;
      expect(keys).toHaveLength(2);
      expect(keys[0]).toBe(old[0]);
      expect(keys[1]).toBe(material.identities.agent[1].publicKey);
      expect(currentKey(readStore(me.file, h.storeFile), 'agent').publicKey).toBe(keys[1]);
      expect(identitiesOf(h).provisioner).toEqual(JSON.parse(readFileSync(join(pristine, 'identities.json'), 'utf8')).provisioner);
      expect(h.stdout.join('\n')).toMatch(/retire agent/);
      expect(h.stdout.join('\n')).toMatch(/that deploy also gives agent its new seed; check every instance reconnected with it/);
      expect(existsSync(join(h.dir, 'jwt.json'))).toBe(false);
    });

    test('rotate refuses a third key', () => {
      const h = harness();
      rotateKey(h, 'monitor');
      expect(() => rotateKey(h, 'monitor')).toThrow(/already rotating.*finish the rotation with `retire monitor`/);
      expect(identitiesOf(h).monitor).toHaveLength(2);
    });

    test('retire removes the oldest key', () => {
      const h = harness();
      const [oldKey] = identitiesOf(h).provisioner;
      const rotated = rotateKey(h, 'provisioner');
      retireKey(h, 'provisioner');
      expect(identitiesOf(h).provisioner).toEqual([rotated.identities.provisioner[1].publicKey]);
      expect(identitiesOf(h).provisioner).not.toContain(oldKey);
      expect(readStore(me.file, h.storeFile).identities.provisioner).toEqual([rotated.identities.provisioner[1]]);
    });

    test('retire refuses an identity with one key', () => {
      const h = harness();
      expect(() => retireKey(h, 'agent')).toThrow(/only one key.*`rotate agent`/);
    });

    test('an unknown identity lists the known ones', () => {
      const h = harness();
      expect(() => rotateKey(h, 'billing')).toThrow(/unknown identity "billing"; known: agent, kv-admin, kv-snapshot, monitor, provisioner/);
    });
  });

  describe('seed and list', () => {
    test('seed prints exactly the current seed of one identity, with a warning on stderr', () => {
      const h = harness();
      const rotated = rotateKey(h, 'agent');
      h.stdout.length = 0;
      printSeed(h, 'agent');
      expect(h.stdout).toEqual([rotated.identities.agent[1].seed]);
      expect(h.stderr.join('\n')).toMatch(/SECRET seed of "agent"/);
      expect(h.stderr.join('\n')).not.toMatch(SEED);
    });

    test('seed of a nonexistent identity errors and names the known ones', () => {
      const h = harness();
      expect(() => printSeed(h, 'nobody')).toThrow(/unknown identity "nobody"; known: agent, kv-admin, kv-snapshot, monitor, provisioner/);
      expect(h.stdout).toEqual([]);
    });

    test('list needs no identity (nor the store) and marks a rotation', () => {
      const h = harness();
      rotateKey(h, 'agent');
      const lister = { ...harness({ identityFile: null, copyStore: false }), identitiesFile: h.identitiesFile };
      listKeys(lister);
      const keys = identitiesOf(h);
      expect(lister.stdout).toEqual([
        `agent        ${keys.agent[0]} ${keys.agent[1]}  (rotating: old, new)`,
        `kv-admin     ${keys['kv-admin'][0]}`,
        `kv-snapshot  ${keys['kv-snapshot'][0]}`,
        `monitor      ${keys.monitor[0]}`,
        `provisioner  ${keys.provisioner[0]}`,
      ]);
    });
  });

  describe('sync', () => {
    test('adds a site the fleet gained, signed by the same CA, leaving the others as they were', () => {
      const before = readStore(me.file, join(pristine, 'nats.age'));
      const site4 = { ...exampleFleet.sites[2], name: 'site-4', gateway: { advertiseHost: 'nats-gw.site-4.example.org' } };
      const h = harness({ fleet: { ...exampleFleet, sites: [...exampleFleet.sites, site4] } });
      syncStore(h);
      const after = readStore(me.file, h.storeFile);
      expect(Object.keys(after.sites).sort()).toEqual(['site-1', 'site-2', 'site-3', 'site-4']);
      const cert = new X509Certificate(after.sites['site-4'].cert.certPem);
      expect(cert.subjectAltName).toContain('DNS:nats-gw.site-4.example.org');
      expect(cert.verify(new X509Certificate(after.ca.certPem).publicKey)).toBe(true);
      expect(after.ca).toEqual(before.ca);
      expect(after.sites['site-1']).toEqual(before.sites['site-1']);
      expect(after.identities).toEqual(before.identities);
      expect(h.stdout.join('\n')).toMatch(/site site-4: new route password and certificate/);
    });

    test('adds a service identity the fleet gained', () => {
      const fleet: Fleet = { ...exampleFleet, account: { ...exampleFleet.account, services: [{ name: 'billing', publish: ['billing.>'], subscribe: ['orders.*'] }] } };
      const h = harness({ fleet });
      syncStore(h);
      expect(Object.keys(identitiesOf(h))).toEqual(['agent', 'billing', 'kv-admin', 'kv-snapshot', 'monitor', 'provisioner']);
      expect(identitiesOf(h).billing).toHaveLength(1);
    });

    test('re-issues a certificate whose names changed, keeping the route password', () => {
      const before = readStore(me.file, join(pristine, 'nats.age'));
      const h = harness({ fleet: withSite(0, { gateway: { advertiseHost: 'gw.new.example.org' } }) });
      syncStore(h);
      const after = readStore(me.file, h.storeFile);
      expect(new X509Certificate(after.sites['site-1'].cert.certPem).subjectAltName).toContain('DNS:gw.new.example.org');
      expect(after.sites['site-1'].routePassword).toBe(before.sites['site-1'].routePassword);
      expect(after.sites['site-2']).toEqual(before.sites['site-2']);
      expect(h.stdout.join('\n')).toMatch(/site site-1: re-issued its certificate: its names no longer match/);
    });

    test('leaves an up-to-date store byte-identical', () => {
      const h = harness();
      const before = readFileSync(h.storeFile);
      syncStore(h);
      expect(readFileSync(h.storeFile)).toEqual(before);
      expect(h.stdout).toEqual([expect.stringMatching(/is up to date with the fleet/)]);
    });
  });

  test('reencrypt lets a newly listed recipient decrypt', () => {
    const h = harness();
    expect(() => readStore(other.file, h.storeFile)).toThrow(/cannot decrypt/);
    writeFileSync(h.recipientsFile, `${me.recipient}\n${other.recipient}\n`);
    reencryptStore(h);
    expect(readStore(other.file, h.storeFile)).toEqual(readStore(me.file, join(pristine, 'nats.age')));
  });

  test('neither the store nor config/identities.json holds a seed or a private key', () => {
    for (const file of [join(pristine, 'nats.age'), join(pristine, 'identities.json')]) {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toMatch(SEED);
      expect(text).not.toMatch(/PRIVATE KEY/);
    }
  });

  describe('command line', () => {
    function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
      const stdout: string[] = [];
      const stderr: string[] = [];
      const status = runCli(argv, { fleet: exampleFleet, env, out: (l) => stdout.push(l), err: (l) => stderr.push(l) });
      return { status, stdout, stderr };
    }

    test('usage errors exit 2 with one line prefixed `keys: `', () => {
      for (const argv of [[], ['bogus'], ['rotate'], ['list', 'extra'], ['list', '--nope']]) {
        const r = cli(argv);
        expect(r.status).toBe(2);
        expect(r.stderr).toHaveLength(1);
        expect(r.stderr[0]).toMatch(/^keys: /);
      }
    });

    test('other errors exit 1; --help exits 0', () => {
      const h = harness();
      const r = cli(['seed', 'nobody', '--store', h.storeFile], { AGE_IDENTITY_FILE: me.file });
      expect(r).toEqual({ status: 1, stdout: [], stderr: [expect.stringMatching(/^keys: unknown identity "nobody"/)] });
      expect(cli(['--help']).status).toBe(0);
    });

    test('the identity comes from AGE_IDENTITY_FILE unless --identity is given', () => {
      const h = harness();
      const opts = ['--store', h.storeFile];
      expect(cli(['seed', 'agent', ...opts], { AGE_IDENTITY_FILE: me.file }).stdout).toEqual([currentKey(readStore(me.file, h.storeFile), 'agent').seed]);
      expect(cli(['seed', 'agent', ...opts, '--identity', other.file], { AGE_IDENTITY_FILE: me.file }).stderr[0]).toMatch(/cannot decrypt/);
      expect(cli(['seed', 'agent', ...opts]).stderr[0]).toMatch(/^keys: no age identity.*AGE_IDENTITY_FILE/);
    });

    test('end to end through ts-node: init, then seed', () => {
      const dir = join(root, 'cli');
      mkdirSync(dir);
      writeFileSync(join(dir, 'recipients.txt'), `${me.recipient}\n`);
      const paths = ['--store', join(dir, 'nats.age'), '--recipients', join(dir, 'recipients.txt'), '--identities', join(dir, 'identities.json')];
      const run = (args: string[]) =>
        spawnSync(join(REPO, 'node_modules', '.bin', 'ts-node'), ['--transpile-only', join(REPO, 'scripts', 'keys.ts'), ...args, ...paths], {
          cwd: dir,
          env: { ...process.env, AGE_IDENTITY_FILE: me.file },
          encoding: 'utf8',
        });
      const init = run(['init']);
      expect(init.stderr).not.toMatch(/^keys: /m);
      expect(init.status).toBe(0);
      expect(init.stdout + init.stderr).not.toMatch(SEED);
      const ids = JSON.parse(readFileSync(join(dir, 'identities.json'), 'utf8'));
      expect(init.stdout).toContain(ids.agent[0]);
      const again = run(['init']);
      expect(again.status).toBe(1);
      expect(again.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^keys: .*already exists/)]);
      const seed = run(['seed', 'provisioner']);
      expect(seed.status).toBe(0);
      expect(seed.stdout).toBe(`${currentKey(readStore(me.file, join(dir, 'nats.age')), 'provisioner').seed}\n`);
    }, 20_000);
  });
});
