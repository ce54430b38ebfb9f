import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fleet } from '../../config/types';
import type { IdentityKeys } from '../../lib/nats/accounts';
import { decodeJwt } from '../../lib/nats/jwt';
import type { JwtBundle } from '../../lib/nats/jwt-bundle';
import { mintJwts } from '../../lib/nats/jwt-bundle';
import { loadStackOffline } from '../../lib/operate/terraform-load';
import { LOCAL_SANS } from '../../lib/nats/certificates';
import { mintMaterial, publicKeys } from '../../lib/secrets/material';
import { FleetValidationError, synthFleet } from '../../lib/synth';
import { exampleFleet } from '../fixtures/fleet';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const SEED = /S[OAUXNC][A-Z2-7]{56}/;
const jwtFleet: Fleet = { ...exampleFleet, auth: { mode: 'jwt' } };

/*
 * A JWT-mode fleet (fleet.auth.mode 'jwt') synthesized end to end: what
 * the servers load, what each in-cluster identity gets, what synth refuses.
 */
describe('site stacks in JWT mode', () => {
  let work: string;
  let keys: IdentityKeys;
  let jwts: JwtBundle;
  let site1: Json;
  let site2: Json;
  let out: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'harmony-jwt-stack-'));
    const material = mintMaterial(jwtFleet, () => LOCAL_SANS);
    keys = publicKeys(material);
    jwts = mintJwts(jwtFleet, keys, material.jwt!, 1_800_000_000);
    out = join(work, 'out');
    synthFleet(jwtFleet, keys, out, undefined, jwts);
    const stack = (name: string) => JSON.parse(readFileSync(join(out, 'stacks', name, 'cdk.tf.json'), 'utf8'));
    site1 = stack('nats-site-1');
    site2 = stack('nats-site-2');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const resources = (tf: Json, type: string): Json[] => Object.values(tf.resource[type] ?? {});
  const configMap = (tf: Json, name: string): Json => resources(tf, 'kubernetes_config_map_v1').find((c) => c.metadata.name === name);

  test('every site loads the operator, the SYS account and a MEMORY resolver preloaded with both account JWTs, and lists no user', () => {
    for (const tf of [site1, site2]) {
      const text: string = resources(tf, 'kubernetes_secret_v1').find((s) => s.metadata.name === 'nats-accounts').data['accounts.conf'];
      expect(text).toContain(`"operator": "${jwts.operator}"`);
      expect(text).toContain(`"system_account": "${decodeJwt(jwts.accounts.SYS).sub}"`);
      expect(text).toContain('"resolver": "MEMORY"');
      expect(text).toContain(`"${decodeJwt(jwts.accounts.HARMONY).sub}": "${jwts.accounts.HARMONY}"`);
      expect(text).not.toMatch(/users|nkey|permissions/);
    }
    expect(site1.output.accounts_checksum.value).toBe(site2.output.accounts_checksum.value);
  });

  test("the agent's user JWT (its newest key's) sits in a ConfigMap beside its seed's Secret, in the agent namespace", () => {
    const cm = configMap(site2, 'harmony-agent-jwt');
    expect(cm.metadata.namespace).toMatch(/^\$\{kubernetes_namespace_v1\.account_agent-namespace_\w+\.metadata\[0\]\.name\}$/);
    expect(cm.data).toEqual({ 'agent.jwt': jwts.users.agent[0] });
    expect(decodeJwt(cm.data['agent.jwt']).sub).toBe(keys.agent[0]);
  });

  test("the provisioning Job's ConfigMap carries the provisioner's JWT and its script authenticates with a creds file", () => {
    const cm = configMap(site2, 'harmony-kv-provision');
    expect(cm.data['provisioner.jwt']).toBe(jwts.users.provisioner[0]);
    expect(cm.data['provision.sh']).toContain('--creds "${TMPDIR:-/tmp}/provisioner.creds"');
    expect(cm.data['provision.sh']).not.toContain('--nkey');
  });

  test("the home site's snapshot CronJob gets the kv-snapshot JWT the same way; other sites have no snapshot job", () => {
    const cm = configMap(site1, 'harmony-kv-snapshot');
    expect(cm.data['kv-snapshot.jwt']).toBe(jwts.users['kv-snapshot'][0]);
    expect(cm.data['backup.sh']).toContain('--creds "${TMPDIR:-/tmp}/kv-snapshot.creds"');
    expect(configMap(site2, 'harmony-kv-snapshot')).toBeUndefined();
  });

  test('no seed reaches cdktf.out: tokens are public, seeds stay in ephemeral variables', () => {
    for (const stack of readdirSync(join(out, 'stacks'))) {
      expect(readFileSync(join(out, 'stacks', stack, 'cdk.tf.json'), 'utf8')).not.toMatch(SEED);
    }
  });

  test('the home site stack loads in the real terraform', () => {
    const load = loadStackOffline(join(out, 'stacks', 'nats-site-1'), join(work, 'tf'));
    expect(load.configErrors).toEqual([]);
    // It read the whole configuration: only the offline provider downloads failed.
    expect(load.errors.length).toBeGreaterThan(0);
    expect(load.errors.every((e) => e.summary === 'Failed to query available provider packages')).toBe(true);
  });

  test('synth refuses JWT mode without config/jwt.json, and a bundle the fleet has outgrown, writing nothing', () => {
    const refused = join(work, 'refused');
    expect(() => synthFleet(jwtFleet, keys, refused)).toThrow(/auth.mode is 'jwt' but config\/jwt.json does not exist: run `npm run keys -- sync`/);
    const bigger: Fleet = { ...jwtFleet, account: { ...jwtFleet.account, jetstream: { ...jwtFleet.account.jetstream, maxStreams: jwtFleet.account.jetstream.maxStreams + 1 } } };
    let error: unknown;
    try {
      synthFleet(bigger, keys, refused, undefined, jwts);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FleetValidationError);
    expect((error as FleetValidationError).problems).toEqual([
      `config/jwt.json: account HARMONY: JetStream limit streams is ${jwtFleet.account.jetstream.maxStreams}, the fleet says ${jwtFleet.account.jetstream.maxStreams + 1} (account.jetstream); run \`npm run keys -- sync\` to re-sign what changed, commit config/jwt.json, and give the re-issued credentials to their holders`,
    ]);
    expect(() => readdirSync(join(refused, 'stacks'))).toThrow(/ENOENT/);
  });
});

/*
 * Step 1 of moving a running fleet (auth.prepareJwt, docs/jwt-migration.md):
 * the servers keep static nkey users; only the agent gets its JWT, which it
 * presents beside its nkey.
 */
describe('site stacks preparing the move to JWT mode', () => {
  const prepared: Fleet = { ...exampleFleet, auth: { mode: 'nkeys', prepareJwt: true } };
  let work: string;
  let keys: IdentityKeys;
  let jwts: JwtBundle;
  let site2: Json;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'harmony-prepare-jwt-'));
    const material = mintMaterial(prepared, () => LOCAL_SANS);
    expect(material.jwt).toBeDefined();
    keys = publicKeys(material);
    jwts = mintJwts(prepared, keys, material.jwt!, 1_800_000_000);
    synthFleet(prepared, keys, join(work, 'out'), undefined, jwts);
    site2 = JSON.parse(readFileSync(join(work, 'out', 'stacks', 'nats-site-2', 'cdk.tf.json'), 'utf8'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const resources = (tf: Json, type: string): Json[] => Object.values(tf.resource[type] ?? {});
  const configMap = (name: string): Json => resources(site2, 'kubernetes_config_map_v1').find((c) => c.metadata.name === name);

  test('the servers keep static nkey users and no operator', () => {
    const text: string = resources(site2, 'kubernetes_secret_v1').find((s) => s.metadata.name === 'nats-accounts').data['accounts.conf'];
    expect(text).toContain(`"nkey": "${keys.agent[0]}"`);
    expect(text).not.toMatch(/operator|resolver/);
  });

  test("the agent's JWT is delivered already; the Jobs, whose natscli would present the creds file alone, get none yet", () => {
    expect(configMap('harmony-agent-jwt').data).toEqual({ 'agent.jwt': jwts.users.agent[0] });
    expect(Object.keys(configMap('harmony-kv-provision').data).filter((k) => k.endsWith('.jwt'))).toEqual([]);
  });

  test('synth refuses the preparation without config/jwt.json, naming auth.prepareJwt', () => {
    expect(() => synthFleet(prepared, keys, join(work, 'refused'))).toThrow(/auth.prepareJwt is set but config\/jwt.json does not exist: run `npm run keys -- sync`/);
  });
});

/*
 * The full resolver (auth.resolver 'full'): every server keeps account JWTs
 * on its own PVC; updates arrive by `npm run accounts -- push`, whose user
 * is the operator's, never the cluster's.
 */
describe('site stacks with the full resolver', () => {
  const full: Fleet = { ...exampleFleet, auth: { mode: 'jwt', resolver: 'full' } };
  let work: string;
  let jwts: JwtBundle;
  let site1: Json;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'harmony-full-resolver-'));
    const material = mintMaterial(full, () => LOCAL_SANS);
    const keys = publicKeys(material);
    jwts = mintJwts(full, keys, material.jwt!, 1_800_000_000);
    synthFleet(full, keys, join(work, 'out'), undefined, jwts);
    site1 = JSON.parse(readFileSync(join(work, 'out', 'stacks', 'nats-site-1', 'cdk.tf.json'), 'utf8'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test("the chart gets the resolver's directory on a 1 GiB PVC per server, and the full resolver block; the include keeps the preload and no MEMORY", () => {
    const values = JSON.parse((Object.values(site1.resource.helm_release)[0] as Json).values[0]);
    expect(values.config.resolver).toEqual({
      enabled: true,
      dir: '/data/resolver',
      // The example site names no storage class: the cluster's default.
      pvc: { enabled: true, size: '1Gi' },
      merge: { type: 'full', dir: '/data/resolver', allow_delete: false, interval: '2m', timeout: '1.9s' },
    });
    const text: string = (Object.values(site1.resource.kubernetes_secret_v1) as Json[]).find((s) => s.metadata.name === 'nats-accounts').data['accounts.conf'];
    expect(text).not.toContain('MEMORY');
    expect(text).toContain(`"${decodeJwt(jwts.accounts.HARMONY).sub}": "${jwts.accounts.HARMONY}"`);
  });

  test("the push user's JWT and seed reach no cluster: only the operator's workstation pushes", () => {
    const text = readFileSync(join(work, 'out', 'stacks', 'nats-site-1', 'cdk.tf.json'), 'utf8');
    expect(jwts.resolverPush).toBeDefined();
    expect(text).not.toContain(jwts.resolverPush!);
    expect(text).not.toMatch(SEED);
  });

  test('the stack loads in the real terraform', () => {
    const load = loadStackOffline(join(work, 'out', 'stacks', 'nats-site-1'), join(work, 'tf'));
    expect(load.configErrors).toEqual([]);
    expect(load.errors.length).toBeGreaterThan(0);
    expect(load.errors.every((e) => e.summary === 'Failed to query available provider packages')).toBe(true);
  });
});
