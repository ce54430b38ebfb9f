import type { Fleet, WebSocketSpec } from '../../config/types';
import { shapeProblems } from '../../config/fleet-shape';
import { validateFleet } from '../../config/validate';
import { websocketRules } from '../../config/validate-websocket';
import { exampleFleet, exampleIdentities, withSite } from '../fixtures/fleet';

/** The messages of the rules that fail for site 1 with this websocket spec. */
const failures = (websocket: WebSocketSpec): string[] =>
  websocketRules({ ...exampleFleet.sites[1], websocket }, 1)
    .filter((r) => r.failed)
    .map((r) => r.message);
const withWebsocket = (websocket: unknown): Fleet => withSite(1, { websocket: websocket as WebSocketSpec });

describe('websocketRules', () => {
  test('default properties: a site without websocket has no rules to fail', () => {
    expect(websocketRules(exampleFleet.sites[1], 1)).toEqual([]);
  });

  test('a valid listener fails no rule, with defaults or with every field set', () => {
    expect(failures({ tlsSecret: 'nats-websocket-tls' })).toEqual([]);
    expect(failures({ tlsSecret: 'web.example-tls', port: 8443, sourceRanges: ['0.0.0.0/0', '198.51.100.0/24', '2001:db8::/32'] })).toEqual([]);
    expect(failures({ tlsSecret: 'a', port: 1 })).toEqual([]);
    expect(failures({ tlsSecret: 'a', port: 65535 })).toEqual([]);
  });

  test('a tlsSecret that is not a Secret name', () => {
    const message = (name: string) =>
      `sites[1].websocket.tlsSecret is "${name}": not a Secret name; name the kubernetes.io/tls Secret with the certificate browsers trust, e.g. "nats-websocket-tls"`;
    expect(failures({ tlsSecret: 'Nats_WS' })).toEqual([message('Nats_WS')]);
    expect(failures({ tlsSecret: '' })).toEqual([message('')]);
    expect(failures({ tlsSecret: '-tls' })).toEqual([message('-tls')]);
    // Each label fits, the whole name does not: a DNS subdomain is at most 253 characters.
    const long = Array.from({ length: 4 }, () => 'a'.repeat(63)).join('.');
    expect(long.length).toBe(255);
    expect(failures({ tlsSecret: long })).toEqual([message(long)]);
  });

  test("the site's own fleet-CA certificate, nats-tls, is refused", () => {
    expect(failures({ tlsSecret: 'nats-tls' })).toEqual([
      'sites[1].websocket.tlsSecret is "nats-tls": that is the site\'s certificate from the fleet CA, which no browser trusts; use a certificate for the public host name (e.g. from cert-manager)',
    ]);
  });

  test('a port outside 1-65535 or not an integer', () => {
    expect(failures({ tlsSecret: 'ws-tls', port: 0 })).toEqual(['sites[1].websocket.port is 0: a TCP port is 1-65535; browsers expect 443']);
    expect(failures({ tlsSecret: 'ws-tls', port: 65536 })).toEqual(['sites[1].websocket.port is 65536: a TCP port is 1-65535; browsers expect 443']);
    expect(failures({ tlsSecret: 'ws-tls', port: 1.5 })).toEqual(['sites[1].websocket.port is 1.5: a TCP port is 1-65535; browsers expect 443']);
  });

  test('a source range that is not a CIDR, named by its index', () => {
    expect(failures({ tlsSecret: 'ws-tls', sourceRanges: ['198.51.100.0/24', 'browsers'] })).toEqual([
      'sites[1].websocket.sourceRanges[1] is "browsers": not a CIDR; e.g. "0.0.0.0/0" for every browser, or "198.51.100.0/24"',
    ]);
    expect(failures({ tlsSecret: 'ws-tls', sourceRanges: ['10.0.0.0/33'] })).toEqual([
      'sites[1].websocket.sourceRanges[0] is "10.0.0.0/33": not a CIDR; e.g. "0.0.0.0/0" for every browser, or "198.51.100.0/24"',
    ]);
  });

  test('an empty sourceRanges, which Kubernetes reads as no restriction', () => {
    expect(failures({ tlsSecret: 'ws-tls', sourceRanges: [] })).toEqual([
      'sites[1].websocket.sourceRanges is empty: to Kubernetes an empty list is no restriction at all; leave it out to mean every address, or list the ones allowed',
    ]);
  });
});

describe('websocket through validateFleet', () => {
  test('default properties: the example fleet with a valid listener on one site is valid', () => {
    expect(validateFleet(withWebsocket({ tlsSecret: 'nats-websocket-tls', port: 443, sourceRanges: ['0.0.0.0/0'] }), exampleIdentities)).toEqual([]);
  });

  test("a rule's problem is reported with the site's field path", () => {
    expect(validateFleet(withWebsocket({ tlsSecret: 'nats-websocket-tls', port: 0 }), exampleIdentities)).toEqual([
      'sites[1].websocket.port is 0: a TCP port is 1-65535; browsers expect 443',
    ]);
  });

  test('every problem of the listener at once', () => {
    expect(validateFleet(withWebsocket({ tlsSecret: 'nats-tls', port: 70000, sourceRanges: ['nope'] }), exampleIdentities)).toEqual([
      'sites[1].websocket.tlsSecret is "nats-tls": that is the site\'s certificate from the fleet CA, which no browser trusts; use a certificate for the public host name (e.g. from cert-manager)',
      'sites[1].websocket.port is 70000: a TCP port is 1-65535; browsers expect 443',
      'sites[1].websocket.sourceRanges[0] is "nope": not a CIDR; e.g. "0.0.0.0/0" for every browser, or "198.51.100.0/24"',
    ]);
  });

  test('a misspelt key is refused by the shape check, with its path and the field meant', () => {
    const expected = [
      'sites[1].websocket.tlsSecrets is not a field of websocket: did you mean "tlsSecret"? (config/types.ts)',
      'sites[1].websocket.tlsSecret is missing: it is required (config/types.ts)',
    ];
    expect(shapeProblems(withWebsocket({ tlsSecrets: 'nats-websocket-tls' }))).toEqual(expected);
    expect(validateFleet(withWebsocket({ tlsSecrets: 'nats-websocket-tls' }), exampleIdentities)).toEqual(expected);
  });

  test('the shape check refuses a port that is not a number and sourceRanges that are not strings', () => {
    const found = shapeProblems(withWebsocket({ tlsSecret: 'nats-websocket-tls', port: '443', sourceRanges: '0.0.0.0/0' }));
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^sites\[1\]\.websocket\.port /);
    expect(found[1]).toMatch(/^sites\[1\]\.websocket\.sourceRanges /);
  });
});
