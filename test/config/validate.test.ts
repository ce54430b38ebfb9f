import { createUser } from 'nkeys.js';
import type { Fleet, ServiceIdentitySpec } from '../../config/types';
import { fleetWarnings, validateFleet } from '../../config/validate';
import { gatewayPeerSourceRanges } from '../../lib/defaults';
import { expectedMetaGroupSize, superclusterServers } from '../../lib/nats/gateways';
import { exampleFleet, exampleIdentities, generatedFleet, withSite } from '../fixtures/fleet';

const problems = (fleet: Fleet, keys = exampleIdentities) => validateFleet(fleet, keys);
const withAccount = (change: Partial<Fleet['account']>): Fleet => ({ ...exampleFleet, account: { ...exampleFleet.account, ...change } });
const withKv = (change: Partial<Fleet['account']['kv']>): Fleet => withAccount({ kv: { ...exampleFleet.account.kv, ...change } });
const withGateway = (i: number, change: Partial<Fleet['sites'][number]['gateway']>, base = exampleFleet) => withSite(i, { gateway: { ...base.sites[i].gateway, ...change } }, base);
const withService = (service: ServiceIdentitySpec): [Fleet, typeof exampleIdentities] => [
  withAccount({ services: [service] }),
  { ...exampleIdentities, [service.name]: [createUser().getPublicKey()] },
];

/** The example fleet with IP addresses only: what servers before 2.14.2 need (they resolve gateway host names at boot). */
const ipFleet: Fleet = { ...exampleFleet, sites: exampleFleet.sites.map((s, i) => ({ ...s, gateway: { ...s.gateway, advertiseHost: `198.18.${i}.1` } })) };

describe('validateFleet', () => {
  test('default properties: the shipped example fleet is valid', () => {
    expect(problems(exampleFleet)).toEqual([]);
  });

  test('generated fleets of 3 to 30 sites are valid', () => {
    for (const n of [3, 10, 30]) expect(problems(generatedFleet(n))).toEqual([]);
  });

  test('reports every problem at once, not the first only', () => {
    const bad = withSite(0, { name: 'Site_1', nodes: 1 }, { ...exampleFleet, sites: exampleFleet.sites.slice(0, 2) });
    const found = problems(bad);
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/^sites has 2 entries/), expect.stringMatching(/^sites\[0\]\.name is "Site_1"/), expect.stringMatching(/^sites\[0\]\.nodes is 1/)]));
  });

  describe('nats', () => {
    test('the default version is valid, and so is any release from 2.10.0', () => {
      expect(problems({ ...ipFleet, nats: { version: '2.10.0' } })).toEqual([]);
      expect(problems({ ...exampleFleet, nats: { version: '2.15.1' } })).toEqual([]);
    });
    test('a version below the supported minimum', () =>
      expect(problems({ ...ipFleet, nats: { version: '2.9.25' } })).toEqual([
        'nats.version is "2.9.25": older than 2.10.0, the oldest server this fleet is tested on; use 2.10.0 or newer (default 2.14.2)',
      ]));
    test.each(['2.14', 'latest', '2.14.2-alpine', 'v2.14.2', ''])('a version that is not a release number: %j', (version) =>
      expect(problems({ ...exampleFleet, nats: { version } })).toEqual([
        `nats.version is "${version}": write a release version such as "2.14.2" (the image is nats:<version>-alpine)`,
      ]));
  });

  describe('spread', () => {
    test('a zone key and ScheduleAnyway are valid', () =>
      expect(problems(withSite(0, { spread: { topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' } }))).toEqual([]));
    test('a topology key that is not a label key', () =>
      expect(problems(withSite(1, { spread: { topologyKey: 'no spaces allowed' } }))).toEqual([
        'sites[1].spread.topologyKey is "no spaces allowed": not a Kubernetes label key; e.g. "kubernetes.io/hostname" or "topology.kubernetes.io/zone"',
      ]));
    test('an unknown whenUnsatisfiable', () =>
      expect(problems(withSite(2, { spread: { whenUnsatisfiable: 'Sometimes' as 'DoNotSchedule' } }))).toEqual([
        'sites[2].spread.whenUnsatisfiable is "Sometimes": use "DoNotSchedule" or "ScheduleAnyway"',
      ]));
  });

  describe('sites', () => {
    test('fewer than 3 sites', () => expect(problems({ ...exampleFleet, sites: exampleFleet.sites.slice(0, 2) })).toContainEqual(expect.stringMatching(/sites has 2 entries: .*at least 3 sites.*meta quorum/)));
    test('duplicate site names', () => expect(problems(withSite(1, { name: 'site-1' }))).toContainEqual(expect.stringMatching(/the name "site-1" is used more than once/)));
    test('a name that is not a DNS label', () => expect(problems(withSite(2, { name: 'Site 3' }))).toContainEqual('sites[2].name is "Site 3": not a DNS label; use lowercase letters, digits and \'-\', at most 63 characters, e.g. "site-1"'));
    test('fewer than 3 nodes', () => expect(problems(withSite(2, { nodes: 1 }))).toContainEqual('sites[2].nodes is 1: a JetStream site needs at least 3 servers for R=3; set nodes: 3'));
    test('empty kubeconfig path and context', () => {
      const found = problems(withSite(0, { kubernetes: { configPath: '', context: '' } }));
      expect(found).toContainEqual(expect.stringMatching(/sites\[0\]\.kubernetes\.configPath is empty/));
      expect(found).toContainEqual(expect.stringMatching(/sites\[0\]\.kubernetes\.context is empty/));
    });
    test('a namespace that is not a DNS label', () => expect(problems(withSite(0, { namespace: 'NATS' }))).toContainEqual(expect.stringMatching(/sites\[0\]\.namespace is "NATS"/)));
    test('a malformed gateway host', () => expect(problems(withGateway(1, { advertiseHost: 'gw..example' }))).toContainEqual(expect.stringMatching(/sites\[1\]\.gateway\.advertiseHost is "gw\.\.example": not a host name or IP address/)));
    test('a malformed extra host', () => expect(problems(withGateway(1, { extraHosts: ['300.1.1.1 '] }))).toContainEqual(expect.stringMatching(/sites\[1\]\.gateway\.extraHosts\[0\]/)));
    test('a port out of range', () => expect(problems(withGateway(0, { port: 70000 }))).toContainEqual(expect.stringMatching(/sites\[0\]\.gateway\.port is 70000: not a TCP port/)));
    test('a NodePort outside 30000-32767', () => expect(problems(withGateway(0, { exposure: 'NodePort', port: 7222 }))).toContainEqual(expect.stringMatching(/sites\[0\]\.gateway\.port is 7222 with exposure NodePort: .*30000-32767/)));
    test('a NodePort inside the range is fine (with its metrics node ports)', () => expect(problems(withSite(0, { gateway: { ...exampleFleet.sites[0].gateway, exposure: 'NodePort', port: 30722 }, metrics: { port: 30777 } }))).toEqual([]));
    test('two sites on the same gateway host:port', () => expect(problems(withGateway(1, { advertiseHost: 'nats-gw.site-1.example.org' }))).toContainEqual(expect.stringMatching(/sites\[1\]\.gateway: nats-gw\.site-1\.example\.org:7222 is already the gateway address of another site/)));
    test('the same host on another port is fine', () => expect(problems(withGateway(1, { advertiseHost: 'nats-gw.site-1.example.org', port: 7223 }))).toEqual([]));
    test('a malformed storage size', () => expect(problems(withSite(0, { storage: { size: '20GB' } }))).toContainEqual('sites[0].storage.size is "20GB": not a binary quantity; write a binary quantity such as 512Mi or 20Gi'));
    test('malformed resources', () => {
      const found = problems(withSite(0, { resources: { cpu: 'lots', memory: '1G' } }));
      expect(found).toContainEqual(expect.stringMatching(/sites\[0\]\.resources\.cpu is "lots"/));
      expect(found).toContainEqual(expect.stringMatching(/sites\[0\]\.resources\.memory is "1G"/));
    });
  });

  describe('gateway security', () => {
    const plain = (base: Fleet, isPrivate: boolean) => ({ ...base, sites: base.sites.map((s) => ({ ...s, gateway: { ...s.gateway, tls: false, private: isPrivate } })) });
    test('a public gateway without TLS is refused', () => expect(problems(plain(exampleFleet, false))).toContainEqual(expect.stringMatching(/sites\[0\]\.gateway\.tls is false on a public address: .*mutual TLS/)));
    test('private: true with a public IP is refused', () => expect(problems(plain(exampleFleet, true))).toContainEqual(expect.stringMatching(/sites\[0\]\.gateway\.private is true but 192\.0\.2\.12 is a public address/)));
    test('a private network may run without TLS', () => {
      const privateFleet = {
        ...exampleFleet,
        sites: exampleFleet.sites.map((s, i) => ({ ...s, gateway: { advertiseHost: `10.0.${i}.10`, extraHosts: [`10.0.${i}.11`, `10.0.${i}.12`], tls: false, private: true } })),
      };
      expect(problems(privateFleet)).toEqual([]);
    });
    test('TLS is all-or-nothing across sites', () => expect(problems(withGateway(0, { advertiseHost: '10.0.0.10', extraHosts: [], tls: false, private: true }))).toContainEqual(expect.stringMatching(/gateway\.tls differs between sites: gateway TLS is all-or-nothing/)));
  });

  describe('account', () => {
    test('JetStream on the system account is refused', () => expect(problems(withAccount({ name: 'SYS' }))).toContainEqual(expect.stringMatching(/account\.name is "SYS": the system account cannot have JetStream/)));
    test('malformed limits', () => {
      const found = problems(withAccount({ jetstream: { maxMemory: '1 Gi', maxFile: '16Gi', maxStreams: 0, maxConsumers: 1.5 } }));
      expect(found).toContainEqual(expect.stringMatching(/account\.jetstream\.maxMemory is "1 Gi"/));
      expect(found).toContainEqual(expect.stringMatching(/account\.jetstream\.maxStreams is 0/));
      expect(found).toContainEqual(expect.stringMatching(/account\.jetstream\.maxConsumers is 1\.5/));
    });
    test('an agent namespace that is not a DNS label', () => expect(problems(withAccount({ agentNamespace: 'Harmony' }))).toContainEqual(expect.stringMatching(/account\.agentNamespace is "Harmony"/)));
  });

  describe('service identities', () => {
    test('a least-privilege service is fine (its reply inbox is added for it)', () => expect(problems(...withService({ name: 'billing', publish: ['billing.>'], subscribe: ['orders.*'] }))).toEqual([]));
    test.each([
      ['the shared inbox', '_INBOX.>'],
      ["another identity's inbox", '_INBOX_agent.>'],
      ['the bucket by its data subjects', '$KV.HARMONY.>'],
      ['every bucket', '$KV.>'],
      ['a direct get of the bucket', '$JS.API.DIRECT.GET.KV_HARMONY'],
      ['a stream update, spelled out', '$JS.API.STREAM.UPDATE.KV_HARMONY'],
      ['a consumer on the bucket', '$JS.API.CONSUMER.CREATE.KV_HARMONY.>'],
      ['JetStream advisories', '$JS.EVENT.>'],
      ['acks of any stream', '$JS.ACK.>'],
      ['the system account', '$SYS.>'],
      ['a first-token wildcard', '*.orders'],
    ])('%s (%s) is refused, naming the class and the fix', (_, subject) => {
      const found = problems(...withService({ name: 'nosy', publish: ['nosy.>'], subscribe: [subject] }));
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(new RegExp(`^account\\.services\\[0\\]\\.subscribe\\[0\\] is "${subject.replace(/[$.*>]/g, (c) => `\\${c}`)}": it (reaches the platform's own subjects|grants JetStream management)`));
    });
    test.each(['$JS.>', '$JS.API.>', '$JS.API.STREAM.>', '$JS.API.CONSUMER.>', '>'])('holding %s is refused', (subject) =>
      expect(problems(...withService({ name: 'greedy', publish: [subject], subscribe: [] }))).toContainEqual(expect.stringMatching(/account\.services\[0\]\.publish\[0\] is ".*": it grants JetStream management/)),
    );
    test('an empty permission list is refused', () => expect(problems(...withService({ name: 'idle', publish: [], subscribe: [] }))).toContainEqual(expect.stringMatching(/account\.services\[0\] \(idle\) has empty publish and subscribe lists/)));
    test('a malformed subject', () => expect(problems(...withService({ name: 'typo', publish: ['orders..new'], subscribe: [] }))).toContainEqual(expect.stringMatching(/account\.services\[0\]\.publish\[0\] is "orders\.\.new": not a NATS subject/)));
    test('a built-in identity name is reserved', () => expect(problems(...withService({ name: 'agent', publish: ['x'], subscribe: [] }))).toContainEqual(expect.stringMatching(/account\.services\[0\]\.name is "agent": reserved/)));
  });

  describe('identities (config/identities.json)', () => {
    test('a missing key', () => expect(problems(exampleFleet, { ...exampleIdentities, monitor: [] })).toContainEqual(expect.stringMatching(/no public key for identity "monitor"; run `npm run keys -- init`/)));
    test('three keys for one identity', () => {
      const keys = { ...exampleIdentities, agent: [...exampleIdentities.agent, exampleIdentities.monitor[0], exampleIdentities.provisioner[0]] };
      expect(problems(exampleFleet, keys)).toContainEqual(expect.stringMatching(/lists 3 keys for "agent": at most 2/));
    });
    test('a seed pasted instead of a public key is refused without echoing it', () => {
      const seed = new TextDecoder().decode(createUser().getSeed());
      const found = problems(exampleFleet, { ...exampleIdentities, agent: [seed] });
      expect(found).toContainEqual(expect.stringMatching(/"agent"\[0\] is not an nkey user public key/));
      expect(found.join('\n')).not.toContain(seed);
    });
    test('keys for an undeclared identity', () => expect(problems(exampleFleet, { ...exampleIdentities, ghost: exampleIdentities.agent })).toContainEqual(expect.stringMatching(/keys for "ghost", which the fleet does not declare/)));
  });

  describe('KV bucket', () => {
    test('an unknown home site', () => expect(problems(withKv({ homeSite: 'site-9' }))).toContainEqual('account.kv.homeSite is "site-9": no site has that name; use one of "site-1", "site-2", "site-3"'));
    test('more replicas than the home site has servers', () => expect(problems(withKv({ replicas: 4 }))).toContainEqual(expect.stringMatching(/account\.kv\.replicas is 4: must be 1 to the home site's node count \(3\)/)));
    test('history out of range', () => expect(problems(withKv({ history: 100 }))).toContainEqual(expect.stringMatching(/account\.kv\.history is 100/)));
    test('the origin stream is KV_<bucket>, or the home site\'s mirror name after an in-place promotion', () => {
      expect(problems(withKv({ originStream: 'KV_HARMONY' }))).toEqual([]);
      expect(problems(withKv({ homeSite: 'site-2', originStream: 'KV_HARMONY_site-2' }))).toEqual([]);
      expect(problems(withKv({ originStream: 'KV_HARMONY_site-2' }))).toEqual([
        'account.kv.originStream is "KV_HARMONY_site-2": the origin is KV_HARMONY, or after an in-place promotion KV_HARMONY_site-1 (the promoted mirror of the home site); set what `npm run kv -- promote` printed, or remove it',
      ]);
    });
    test('a malformed bucket name', () => expect(problems(withKv({ bucket: 'harmony.kv' }))).toContainEqual(expect.stringMatching(/account\.kv\.bucket is "harmony\.kv"/)));
    test('the bucket and its mirrors must fit the account file limit', () =>
      expect(problems(withAccount({ jetstream: { ...exampleFleet.account.jetstream, maxFile: '4Gi' } }))).toContainEqual(
        'account.jetstream.maxFile is 4Gi but the bucket reserves 10240Mi (3 x 2Gi in site-1 + 1 x 2Gi in site-2 + 1 x 2Gi in site-3); raise maxFile to at least 10240Mi or lower account.kv.maxBytes',
      ));
    test('on nats-server 2.10 an update of the origin counts every stream at its replicas: maxFile must cover that', () => {
      const on210 = (maxFile: string): Fleet => ({ ...ipFleet, account: { ...ipFleet.account, jetstream: { ...exampleFleet.account.jetstream, maxFile } }, nats: { version: '2.10.27' } });
      // 3 streams x 2Gi x 3 replicas = 18Gi, although the bucket reserves 10Gi.
      expect(problems(on210('16Gi'))).toEqual([
        'account.jetstream.maxFile is 16Gi but on nats-server 2.10.27 updating the bucket\'s origin reserves 18432Mi (2.10 counts all 3 streams at the origin\'s 3 replicas); raise maxFile to at least 18Gi, or set nats.version to 2.11.0 or newer'.replace('18Gi', '18432Mi'),
      ]);
      expect(problems(on210('18Gi'))).toEqual([]);
      // From 2.11 on, the reservation alone counts.
      expect(problems({ ...ipFleet, account: { ...ipFleet.account, jetstream: { ...exampleFleet.account.jetstream, maxFile: '16Gi' } }, nats: { version: '2.11.0' } })).toEqual([]);
    });
    test('a value must fit one NATS message (max_payload 1Mi) with its headers', () => {
      expect(problems(withKv({ maxValueSize: '1Mi' }))).toEqual([
        'account.kv.maxValueSize is 1Mi: a value travels as one NATS message, which the servers cap at max_payload (1Mi) with its headers; use at most 1020Ki',
      ]);
      expect(problems(withKv({ maxValueSize: '1020Ki' }))).toEqual([]);
    });
    test('the account keeps consumers beyond what the bucket may hold (4 stream names x the per-stream cap)', () => {
      expect(problems(withKv({ maxConsumers: 64 }))).toEqual([
        "account.jetstream.maxConsumers is 256, but the bucket's 4 stream names may each hold account.kv.maxConsumers (64): one identity could use up every consumer of the account; raise maxConsumers above 256 or lower account.kv.maxConsumers",
      ]);
      expect(problems(withKv({ maxConsumers: 63 }))).toEqual([]);
      expect(problems(withKv({ maxConsumers: 0 }))).toContainEqual('account.kv.maxConsumers is 0: a whole number of at least 1 (default 32)');
    });
    test('the bucket must fit each PVC of its home site', () => expect(problems(withSite(0, { storage: { size: '1Gi' } }))).toContainEqual(expect.stringMatching(/sites\[0\]\.storage\.size is 1Gi, smaller than account\.kv\.maxBytes \(2Gi\) that each of its servers holding a bucket replica/)));
    test('a mirror site needs room for the mirror and its promotion copy', () => {
      expect(problems(withSite(1, { storage: { size: '3Gi' } }))).toContainEqual(expect.stringMatching(/sites\[1\]\.storage\.size is 3Gi, smaller than twice account\.kv\.maxBytes \(2Gi\).*at least 4096Mi/));
      expect(problems(withSite(1, { storage: { size: '4Gi' } }))).toEqual([]);
    });
    test('the bucket and its mirrors must fit maxStreams', () => expect(problems(withAccount({ jetstream: { ...exampleFleet.account.jetstream, maxStreams: 2 } }))).toContainEqual(expect.stringMatching(/maxStreams is 2 but the bucket and its mirrors are 3 streams/)));
    test('a value larger than the bucket', () => expect(problems(withKv({ maxValueSize: '4Gi' }))).toContainEqual(expect.stringMatching(/maxValueSize \(4Gi\) exceeds account\.kv\.maxBytes/)));
  });

  describe('backend', () => {
    test('an S3 backend needs a bucket, an https endpoint and a region', () => {
      const found = problems({ ...exampleFleet, backend: { type: 's3', bucket: '', endpoint: 'http://x', region: '' } });
      expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/backend\.bucket is empty/), expect.stringMatching(/backend\.endpoint is "http:\/\/x"/), expect.stringMatching(/backend\.region is empty/)]));
    });
    test('a local state dir outside the repo', () => expect(problems({ ...exampleFleet, backend: { type: 'local', dir: '/var/state' } })).toContainEqual(expect.stringMatching(/backend\.dir is "\/var\/state"/)));
  });

  describe('gateway peers', () => {
    test('default: each site admits the other sites\' gateway IPs', () => {
      expect(gatewayPeerSourceRanges(exampleFleet, exampleFleet.sites[0])).toEqual(['198.51.100.22/32', '198.51.100.23/32', '203.0.113.32/32', '203.0.113.33/32']);
    });
    test('an explicit list wins and must be CIDRs, not everything', () => {
      expect(problems(withGateway(0, { peerSourceRanges: ['198.51.100.0/24', '2001:db8::/48'] }))).toEqual([]);
      expect(problems(withGateway(0, { peerSourceRanges: ['198.51.100.0/33'] }))).toEqual([
        'sites[0].gateway.peerSourceRanges[0] is "198.51.100.0/33": not a CIDR; write the other sites\' source addresses, e.g. "198.51.100.0/24" or "2001:db8::/48"',
      ]);
      expect(problems(withGateway(0, { peerSourceRanges: ['0.0.0.0/0'] }))).toEqual(['sites[0].gateway.peerSourceRanges[0] is "0.0.0.0/0": that is every address; list the other sites\' source addresses']);
    });
    test('a public gateway with nothing to admit is refused', () => {
      const names = { ...exampleFleet, sites: exampleFleet.sites.map((s, i) => ({ ...s, gateway: { advertiseHost: `gw${i}.example.org`, extraHosts: [`a${i}.example.org`, `b${i}.example.org`] } })) };
      expect(problems(names)).toEqual(
        names.sites.map((_, i) => expect.stringMatching(new RegExp(`^sites\\[${i}\\]\\.gateway has no peerSourceRanges and none can be derived`))),
      );
    });
  });

  describe('cold-start quorum', () => {
    test('default properties: every site lists as many gateway addresses as it has servers, so each expects the 9 servers there are', () => {
      for (const site of exampleFleet.sites) expect(expectedMetaGroupSize(exampleFleet, site)).toBe(9);
      expect(superclusterServers(exampleFleet)).toBe(9);
      expect(fleetWarnings(exampleFleet)).toEqual([]);
    });
    test('one address per site: the others expect 5 (a lone site of 3 reaches that majority alone) and it is refused', () => {
      const single = withGateway(1, { extraHosts: [] });
      expect(expectedMetaGroupSize(single, single.sites[0])).toBe(7);
      expect(problems(single)).toEqual([
        'sites[1].gateway lists 1 address (advertiseHost + extraHosts) for 3 servers: site-1 and site-3 count each as one JetStream peer at first boot and would expect 7 meta-group members where the supercluster has 9; ' +
          "too few lets a lone site elect its own meta leader (split brain); list exactly 3 distinct addresses (advertiseHost and 2 in extraHosts, e.g. the k3s nodes' addresses)",
      ]);
    });
    test('the advice the README used to give, advertise host plus every node (4 for 3 servers), expects 11: refused, no election would ever happen', () => {
      const four = withGateway(0, { extraHosts: ['192.0.2.11', '192.0.2.12', '192.0.2.13'] });
      expect(expectedMetaGroupSize(four, four.sites[1])).toBe(10);
      expect(problems(four)).toEqual([expect.stringMatching(/^sites\[0\]\.gateway lists 4 addresses .* would expect 10 meta-group members where the supercluster has 9; too many blocks every election; list exactly 3 distinct addresses/)]);
    });
    test('a 5-server site needs 5 addresses', () => {
      expect(problems(withSite(2, { nodes: 5 }))).toEqual([expect.stringMatching(/^sites\[2\]\.gateway lists 3 addresses .* for 5 servers: .*where the supercluster has 11; too few/)]);
      expect(problems(withSite(2, { nodes: 5, gateway: { ...exampleFleet.sites[2].gateway, extraHosts: ['203.0.113.32', '203.0.113.33', '203.0.113.34', '203.0.113.35'] } }))).toEqual([]);
    });
    test('servers before 2.14.2 (and 2.12.10) count a host name as every address it resolves to at boot: names are refused there, IPs accepted', () => {
      const old = { ...exampleFleet, nats: { version: '2.12.9' } };
      expect(problems(old)).toEqual(
        exampleFleet.sites.map((s, i) => expect.stringMatching(new RegExp(`^sites\\[${i}\\]\\.gateway uses host names \\(nats-gw\\.${s.name}\\.example\\.org\\) with nats\\.version 2\\.12\\.9: .*use IP addresses, or nats\\.version 2\\.14\\.2 or newer$`))),
      );
      const ips = { ...old, sites: old.sites.map((s, i) => ({ ...s, gateway: { ...s.gateway, advertiseHost: `198.18.${i}.1` } })) };
      expect(problems(ips)).toEqual([]);
      expect(problems({ ...exampleFleet, nats: { version: '2.12.10' } })).toEqual([]);
    });
  });

  test('mgmt problems are reported with the rest', () => expect(problems({ ...exampleFleet, mgmt: { ...exampleFleet.mgmt, adminSshKeys: [] } })).toContainEqual(expect.stringMatching(/^mgmt\.adminSshKeys/)));
});
