import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretMaterial } from '../../lib/secrets/material';
import { firstRevisions, nextRevisions, readRevisions, revisionsBeside, revisionsJson } from '../../lib/secrets/revisions';

const pem = (label: string) => ({ certPem: `cert-${label}`, keyPem: `key-${label}` });
const key = (seed: string) => ({ publicKey: `U${seed}`, seed });
const material = (change: Partial<SecretMaterial> = {}): SecretMaterial => ({
  version: 1,
  ca: pem('ca'),
  gatewayPassword: 'gw',
  sites: { a: { routePassword: 'ra', cert: pem('a') }, b: { routePassword: 'rb', cert: pem('b') } },
  identities: { agent: [key('agent1')], provisioner: [key('prov1')] },
  ...change,
});
const ones = { 'nats-tls': 1, 'nats-auth': 1, 'harmony-agent-nkey': 1, 'harmony-provisioner-nkey': 1, 'harmony-kv-snapshot-nkey': 1, 'harmony-kv-snapshot-restic': 1 };

describe('nextRevisions', () => {
  test('a new store starts every Secret of every site at 1', () => {
    expect(nextRevisions({}, undefined, material())).toEqual({ a: ones, b: ones });
  });

  test('nothing changed: nothing bumps', () => {
    expect(nextRevisions({ a: ones, b: ones }, material(), material())).toEqual({ a: ones, b: ones });
  });

  test("a site's route password bumps only that site's auth Secret", () => {
    const after = material({ sites: { ...material().sites, a: { routePassword: 'ra2', cert: pem('a') } } });
    expect(nextRevisions({ a: ones, b: ones }, material(), after)).toEqual({ a: { ...ones, 'nats-auth': 2 }, b: ones });
  });

  test('the shared gateway password bumps every site\'s auth Secret', () => {
    expect(nextRevisions({ a: ones, b: ones }, material(), material({ gatewayPassword: 'gw2' }))).toEqual({ a: { ...ones, 'nats-auth': 2 }, b: { ...ones, 'nats-auth': 2 } });
  });

  test("a re-issued certificate bumps that site's TLS Secret", () => {
    const after = material({ sites: { ...material().sites, b: { routePassword: 'rb', cert: pem('b2') } } });
    expect(nextRevisions({ a: ones, b: ones }, material(), after)).toEqual({ a: ones, b: { ...ones, 'nats-tls': 2 } });
  });

  test('rotating the agent (a new current key) bumps its Secret everywhere; retiring the old key changes nothing deployed', () => {
    const rotating = material({ identities: { agent: [key('agent1'), key('agent2')], provisioner: [key('prov1')] } });
    const rotated = nextRevisions({ a: ones, b: ones }, material(), rotating);
    expect(rotated).toEqual({ a: { ...ones, 'harmony-agent-nkey': 2 }, b: { ...ones, 'harmony-agent-nkey': 2 } });
    const retired = material({ identities: { agent: [key('agent2')], provisioner: [key('prov1')] } });
    expect(nextRevisions(rotated, rotating, retired)).toEqual(rotated);
  });

  test('a new site starts at 1, a removed one is dropped, a site missing from the file is filled in', () => {
    const after = material({ sites: { b: material().sites.b, c: { routePassword: 'rc', cert: pem('c') } } });
    expect(nextRevisions({ a: ones, b: { ...ones, 'nats-tls': 3 } }, material(), after)).toEqual({ b: { ...ones, 'nats-tls': 3 }, c: ones });
    expect(nextRevisions({}, material(), material())).toEqual({ a: ones, b: ones });
  });
});

describe('readRevisions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'revisions-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  test('reads a complete file', () => {
    expect(readRevisions(['a'], file('ok.json', revisionsJson(firstRevisions(['a']))))).toEqual({ a: ones });
  });

  test.each([
    ['a missing site', '{}', /site "a" has no revisions; run `npm run keys -- sync`/],
    ['a revision below 1', JSON.stringify({ a: { ...ones, 'nats-tls': 0 } }), /site "a": "nats-tls" must be a whole number of at least 1/],
    ['a missing Secret', JSON.stringify({ a: { 'nats-tls': 1 } }), /site "a": "nats-auth" must be a whole number/],
    ['not JSON', '{', /is not JSON .*restore it from git history or run `npm run keys -- sync`/],
    ['an array', '[]', /expected an object/],
  ])('refuses %s, naming the fix', (_, text, error) => {
    expect(() => readRevisions(['a'], file(`bad-${_}.json`, text))).toThrow(error);
  });

  test('refuses a missing file, naming the command that writes it', () => {
    expect(() => readRevisions(['a'], join(dir, 'absent.json'))).toThrow(/does not exist: run `npm run keys -- sync`/);
  });

  test('the file sits beside the identities file', () => {
    expect(revisionsBeside('/x/config/identities.json')).toBe('/x/config/secret-revisions.json');
  });
});
