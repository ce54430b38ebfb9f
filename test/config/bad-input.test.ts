import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fleet, SiteSpec } from '../../config/types';
import type { IdentityKeys } from '../../lib/nats/accounts';
import { FleetValidationError, synthFleet } from '../../lib/synth';
import { exampleFleet, exampleIdentities } from '../fixtures/fleet';

/*
 * Bad input, one row per class: what someone careless or hostile could put
 * in the fleet or the identities file. Each must be refused at synth,
 * before Terraform, with a message that names the field and the fix; never
 * a crash; and a refused synth leaves no stale stack behind.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const site = (i: number, change: Loose) => (f: Fleet): Fleet => ({ ...f, sites: f.sites.map((s, j) => (j === i ? { ...s, ...change } : s)) });
const gateway = (i: number, change: Loose) => (f: Fleet): Fleet => site(i, { gateway: { ...f.sites[i].gateway, ...change } })(f);
const account = (change: Loose) => (f: Fleet): Fleet => ({ ...f, account: { ...f.account, ...change } });
const js = (change: Loose) => (f: Fleet): Fleet => account({ jetstream: { ...f.account.jetstream, ...change } })(f);
const kv = (change: Loose) => (f: Fleet): Fleet => account({ kv: { ...f.account.kv, ...change } })(f);
const service = (s: Loose) => (f: Fleet): Fleet => account({ services: [s] })(f);
const mgmt = (change: Loose) => (f: Fleet): Fleet => ({ ...f, mgmt: { ...f.mgmt, ...change } });
const backup = (change: Loose) => (f: Fleet): Fleet => mgmt({ backup: { ...f.mgmt.backup, ...change } })(f);
const monitoring = (change: Loose) => (f: Fleet): Fleet => mgmt({ monitoring: { ...f.mgmt.monitoring, ...change } })(f);
const snapshots = (change: Loose) => (f: Fleet): Fleet => kv({ snapshots: { ...f.account.kv.snapshots, ...change } })(f);
const top = (change: Loose) => (f: Fleet): Fleet => ({ ...f, ...change });
const ED25519 = exampleFleet.mgmt.adminSshKeys[0];

interface Row {
  readonly name: string;
  readonly change: (f: Fleet) => Fleet;
  /** The field path the message must start with. */
  readonly field: string;
  /** A fragment of the fix the message must carry. */
  readonly fix: RegExp;
  /** Identities to use (a service row needs its own key). */
  readonly keys?: (k: IdentityKeys) => IdentityKeys;
}

const withServiceKey = (name: string) => (k: IdentityKeys): IdentityKeys => ({ ...k, [name]: ['UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NYCNF4'] });

const ROWS: Row[] = [
  // structure
  { name: 'a misspelt top-level field', change: top({ acount: {} }), field: 'acount', fix: /not a field of fleet: did you mean "account"\?/ },
  { name: 'a misspelt site field', change: site(0, { node: 3 }), field: 'sites[0].node', fix: /did you mean "nodes"\?/ },
  { name: 'a misspelt gateway field', change: gateway(1, { advertizeHost: 'x' }), field: 'sites[1].gateway.advertizeHost', fix: /did you mean "advertiseHost"\?/ },
  { name: 'a misspelt bucket field', change: kv({ maxValue: '1Ki' }), field: 'account.kv.maxValue', fix: /did you mean "maxValueSize"\?/ },
  { name: 'a misspelt mgmt field', change: mgmt({ adminCidr: [] }), field: 'mgmt.adminCidr', fix: /did you mean "adminCidrs"\?/ },
  { name: 'a required field missing', change: (f) => site(2, { storage: {} })(f), field: 'sites[2].storage.size', fix: /is missing: it is required/ },
  { name: 'a number where a string belongs', change: site(0, { memoryStore: 512 }), field: 'sites[0].memoryStore', fix: /is a number: it must be a string/ },
  { name: 'a string where a list belongs', change: mgmt({ adminSshKeys: ED25519 }), field: 'mgmt.adminSshKeys', fix: /must be a list of strings/ },
  { name: 'sites not a list', change: top({ sites: {} }), field: 'sites', fix: /is an object: it must be a list/ },
  { name: 'an unknown backend type', change: top({ backend: { type: 'gcs' } }), field: 'backend.type', fix: /use one of "local", "s3"/ },
  { name: 'NaN where a number belongs', change: site(0, { nodes: Number.NaN }), field: 'sites[0].nodes', fix: /must be a number/ },
  // sites
  { name: 'fewer than three sites', change: (f) => ({ ...f, sites: f.sites.slice(0, 2) }), field: 'sites has 2 entries', fix: /at least 3 sites/ },
  { name: 'a duplicate site name', change: site(1, { name: 'site-1' }), field: 'sites', fix: /"site-1" is used more than once/ },
  { name: 'a site name that is not a DNS label', change: site(0, { name: 'Site_1' }), field: 'sites[0].name', fix: /not a DNS label/ },
  { name: 'too few servers', change: site(0, { nodes: 1 }), field: 'sites[0].nodes', fix: /at least 3 servers/ },
  { name: 'a fractional server count', change: site(0, { nodes: 3.5 }), field: 'sites[0].nodes', fix: /at least 3 servers/ },
  { name: 'an empty kubeconfig path', change: site(0, { kubernetes: { configPath: '', context: 'c' } }), field: 'sites[0].kubernetes.configPath', fix: /set the path of the site's kubeconfig/ },
  { name: 'an empty kube context', change: site(0, { kubernetes: { configPath: 'k', context: '' } }), field: 'sites[0].kubernetes.context', fix: /set the kubeconfig context/ },
  { name: 'a namespace that is not a DNS label', change: site(0, { namespace: 'NATS' }), field: 'sites[0].namespace', fix: /not a DNS label/ },
  { name: 'a namespace Kubernetes owns', change: site(0, { namespace: 'kube-system' }), field: 'sites[0].namespace', fix: /a namespace Kubernetes owns/ },
  { name: 'an advertise host that is no host', change: gateway(0, { advertiseHost: 'nats gw' }), field: 'sites[0].gateway.advertiseHost', fix: /not a host name or IP address/ },
  { name: 'a loopback advertise host', change: gateway(0, { advertiseHost: '127.0.0.1' }), field: 'sites[0].gateway.advertiseHost', fix: /no other site can dial/ },
  { name: 'the unspecified IPv6 address', change: gateway(0, { advertiseHost: '::' }), field: 'sites[0].gateway.advertiseHost', fix: /no other site can dial/ },
  { name: 'a link-local extra host', change: gateway(0, { extraHosts: ['169.254.1.1', '192.0.2.13'] }), field: 'sites[0].gateway.extraHosts[0]', fix: /no other site can dial/ },
  { name: 'a private address on a public gateway', change: gateway(0, { extraHosts: ['10.0.0.12', '192.0.2.13'] }), field: 'sites[0].gateway.extraHosts[0]', fix: /set gateway.private: true/ },
  { name: 'a port that is no TCP port', change: gateway(0, { port: 70000 }), field: 'sites[0].gateway.port', fix: /use 1-65535/ },
  { name: 'a LoadBalancer port the API server uses', change: gateway(0, { port: 6443 }), field: 'sites[0].gateway.port', fix: /the Kubernetes API already uses 6443/ },
  { name: "a LoadBalancer port k3s's Traefik uses", change: gateway(0, { port: 443 }), field: 'sites[0].gateway.port', fix: /Traefik/ },
  { name: 'a LoadBalancer port in the NodePort range', change: gateway(0, { port: 31000 }), field: 'sites[0].gateway.port', fix: /inside the NodePort range/ },
  { name: 'a NodePort outside the node port range', change: gateway(0, { exposure: 'NodePort', port: 7222 }), field: 'sites[0].gateway.port', fix: /node ports are 30000-32767/ },
  { name: 'an unknown exposure', change: gateway(0, { exposure: 'Ingress' }), field: 'sites[0].gateway.exposure', fix: /use "LoadBalancer"/ },
  { name: 'a public gateway without TLS', change: gateway(0, { tls: false }), field: 'sites[0].gateway.tls', fix: /must use mutual TLS/ },
  { name: 'private: true on a public IP', change: gateway(0, { private: true }), field: 'sites[0].gateway.private', fix: /remove private: true/ },
  { name: 'two sites on one gateway address', change: gateway(1, { extraHosts: ['192.0.2.12', '198.51.100.23'] }), field: 'sites[1].gateway', fix: /already the gateway address of another site/ },
  { name: 'fewer gateway addresses than servers (split brain)', change: gateway(0, { extraHosts: [] }), field: 'sites[0].gateway lists 1 address', fix: /split brain/ },
  { name: 'more gateway addresses than servers (no election)', change: gateway(0, { extraHosts: ['192.0.2.11', '192.0.2.12', '192.0.2.13'] }), field: 'sites[0].gateway lists 4 addresses', fix: /blocks every election/ },
  { name: 'a peer range that is no CIDR', change: gateway(0, { peerSourceRanges: ['198.51.100.0/33'] }), field: 'sites[0].gateway.peerSourceRanges[0]', fix: /not a CIDR/ },
  { name: 'a peer range of every address', change: gateway(0, { peerSourceRanges: ['::/0'] }), field: 'sites[0].gateway.peerSourceRanges[0]', fix: /that is every address/ },
  { name: 'a decimal storage unit', change: site(0, { storage: { size: '20G' } }), field: 'sites[0].storage.size', fix: /write a binary quantity such as 512Mi/ },
  { name: 'an absurd storage size', change: site(0, { storage: { size: '999999Ti' } }), field: 'sites[0].storage.size', fix: /more than 64Ti/ },
  { name: 'a quantity past exact integers', change: site(0, { storage: { size: '9999999999999999' } }), field: 'sites[0].storage.size', fix: /not a binary quantity/ },
  { name: 'a memory request over its limit', change: site(0, { resources: { memory: '2Gi', memoryLimit: '1Gi' } }), field: 'sites[0].resources.memory', fix: /above resources.memoryLimit/ },
  { name: 'a memory store that does not fit the container', change: site(0, { memoryStore: '1Gi' }), field: 'sites[0].memoryStore', fix: /keep memoryStore well below memoryLimit/ },
  { name: 'a malformed cpu', change: site(0, { resources: { cpu: '250 m' } }), field: 'sites[0].resources.cpu', fix: /write millicores/ },
  { name: 'a spread key that is no label key', change: site(0, { spread: { topologyKey: 'a b' } }), field: 'sites[0].spread.topologyKey', fix: /not a Kubernetes label key/ },
  { name: 'an unknown spread mode', change: site(0, { spread: { whenUnsatisfiable: 'Maybe' } }), field: 'sites[0].spread.whenUnsatisfiable', fix: /use "DoNotSchedule" or "ScheduleAnyway"/ },
  // server
  { name: 'a server version that is no release', change: top({ nats: { version: 'latest' } }), field: 'nats.version', fix: /write a release version/ },
  { name: 'a server version below the minimum', change: top({ nats: { version: '2.9.25' } }), field: 'nats.version', fix: /use 2.10.0 or newer/ },
  { name: 'host names on a server that resolves them at boot', change: top({ nats: { version: '2.12.9' } }), field: 'sites[0].gateway uses host names', fix: /use IP addresses/ },
  // account
  { name: 'JetStream on the system account', change: account({ name: 'SYS' }), field: 'account.name', fix: /use a dedicated account/ },
  { name: 'a lowercase account name', change: account({ name: 'harmony' }), field: 'account.name', fix: /upper-case letters/ },
  { name: 'no streams allowed', change: js({ maxStreams: 0 }), field: 'account.jetstream.maxStreams', fix: /at least 1/ },
  { name: 'fewer streams than the bucket has', change: js({ maxStreams: 2 }), field: 'account.jetstream.maxStreams', fix: /raise maxStreams/ },
  { name: 'a fractional consumer limit', change: js({ maxConsumers: 1.5 }), field: 'account.jetstream.maxConsumers', fix: /whole number/ },
  { name: 'no consumer headroom beyond the bucket', change: js({ maxConsumers: 128 }), field: 'account.jetstream.maxConsumers', fix: /raise maxConsumers above 128/ },
  { name: 'a file limit the bucket does not fit', change: js({ maxFile: '4Gi' }), field: 'account.jetstream.maxFile', fix: /raise maxFile to at least/ },
  { name: 'an absurd account limit', change: js({ maxFile: '99999Ti' }), field: 'account.jetstream.maxFile', fix: /more than 1024Ti/ },
  { name: 'an agent namespace Kubernetes owns', change: account({ agentNamespace: 'default' }), field: 'account.agentNamespace', fix: /a namespace Kubernetes owns/ },
  { name: "the agent's namespace shared with the servers", change: account({ agentNamespace: 'nats' }), field: 'sites[0].namespace and account.agentNamespace', fix: /give them different names/ },
  // services
  { name: 'a service holding JetStream management', change: service({ name: 'ops', publish: ['$JS.API.>'], subscribe: [] }), keys: withServiceKey('ops'), field: 'account.services[0].publish[0]', fix: /grants JetStream management/ },
  { name: "a service naming the bucket's stream update", change: service({ name: 'ops', publish: ['$JS.API.STREAM.UPDATE.KV_HARMONY'], subscribe: [] }), keys: withServiceKey('ops'), field: 'account.services[0].publish[0]', fix: /reaches the platform's own subjects|grants JetStream management/ },
  { name: "a service reading the bucket's data", change: service({ name: 'ops', publish: ['ops.>'], subscribe: ['$KV.HARMONY.>'] }), keys: withServiceKey('ops'), field: 'account.services[0].subscribe[0]', fix: /reaches the platform's own subjects/ },
  { name: 'a service subscribing to the shared inbox', change: service({ name: 'ops', publish: ['ops.>'], subscribe: ['_INBOX.>'] }), keys: withServiceKey('ops'), field: 'account.services[0].subscribe[0]', fix: /each identity gets its own reply inbox/ },
  { name: "a service subscribing to the agent's inbox", change: service({ name: 'ops', publish: ['ops.>'], subscribe: ['_INBOX_agent.>'] }), keys: withServiceKey('ops'), field: 'account.services[0].subscribe[0]', fix: /reaches the platform's own subjects/ },
  { name: 'a service on $SYS', change: service({ name: 'ops', publish: ['$SYS.REQ.>'], subscribe: [] }), keys: withServiceKey('ops'), field: 'account.services[0].publish[0]', fix: /reaches the platform's own subjects/ },
  { name: 'a service on JetStream advisories', change: service({ name: 'ops', publish: ['ops.>'], subscribe: ['$JS.EVENT.>'] }), keys: withServiceKey('ops'), field: 'account.services[0].subscribe[0]', fix: /reaches the platform's own subjects/ },
  { name: 'a service with a first-token wildcard', change: service({ name: 'ops', publish: ['*.orders'], subscribe: [] }), keys: withServiceKey('ops'), field: 'account.services[0].publish[0]', fix: /starts with an application token/ },
  { name: 'a service with a malformed subject', change: service({ name: 'ops', publish: ['ops..x'], subscribe: [] }), keys: withServiceKey('ops'), field: 'account.services[0].publish[0]', fix: /not a NATS subject/ },
  { name: 'a service allowed nothing', change: service({ name: 'ops', publish: [], subscribe: [] }), keys: withServiceKey('ops'), field: 'account.services[0] (ops)', fix: /list the subjects it needs/ },
  { name: 'a service named like a built-in identity', change: service({ name: 'agent', publish: ['x'], subscribe: [] }), field: 'account.services[0].name', fix: /reserved for a built-in identity/ },
  { name: 'a service name that is no DNS label', change: service({ name: 'Ops', publish: ['x'], subscribe: [] }), keys: withServiceKey('Ops'), field: 'account.services[0].name', fix: /not a DNS label/ },
  // bucket
  { name: 'an unknown home site', change: kv({ homeSite: 'site-9' }), field: 'account.kv.homeSite', fix: /use one of "site-1"/ },
  { name: 'more replicas than the home site has servers', change: kv({ replicas: 4 }), field: 'account.kv.replicas', fix: /must be 1 to the home site's node count/ },
  { name: 'no mirror replica', change: kv({ mirrorReplicas: 0 }), field: 'account.kv.mirrorReplicas', fix: /at least 1/ },
  { name: 'more history than KV keeps', change: kv({ history: 100 }), field: 'account.kv.history', fix: /1 to 64 values per key/ },
  { name: 'a bucket name with a dot', change: kv({ bucket: 'harmony.kv' }), field: 'account.kv.bucket', fix: /letters, digits, '-' and '_' only/ },
  { name: 'a value larger than one NATS message', change: kv({ maxValueSize: '2Mi' }), field: 'account.kv.maxValueSize', fix: /use at most 1020Ki/ },
  { name: 'a value larger than the bucket', change: kv({ maxValueSize: '1Mi', maxBytes: '512Ki' }), field: 'account.kv.maxValueSize (1Mi) exceeds', fix: /lower maxValueSize/ },
  { name: 'a home site too small for the bucket', change: site(0, { storage: { size: '1Gi' } }), field: 'sites[0].storage.size', fix: /raise the PVC size or lower maxBytes/ },
  { name: 'a mirror site without room for a promotion', change: site(1, { storage: { size: '3Gi' } }), field: 'sites[1].storage.size', fix: /raise the PVC size to at least 4096Mi/ },
  { name: 'an origin stream of another site', change: kv({ originStream: 'KV_HARMONY_site-2' }), field: 'account.kv.originStream', fix: /set what `npm run kv -- promote` printed/ },
  { name: 'no consumers per bucket stream', change: kv({ maxConsumers: 0 }), field: 'account.kv.maxConsumers', fix: /at least 1/ },
  // identities
  { name: 'an identity without a key', change: (f) => f, keys: (k) => ({ ...k, monitor: [] }), field: 'config/identities.json', fix: /run `npm run keys -- init`/ },
  { name: 'three keys for one identity', change: (f) => f, keys: (k) => ({ ...k, agent: [...k.agent, ...k.monitor, ...k.provisioner] }), field: 'config/identities.json', fix: /at most 2/ },
  { name: 'keys of an undeclared identity', change: (f) => f, keys: (k) => ({ ...k, ghost: k.agent }), field: 'config/identities.json', fix: /declare it in account.services or delete its entry/ },
  { name: 'a seed pasted as a public key', change: (f) => f, keys: (k) => ({ ...k, agent: [`SU${'A'.repeat(56)}`] }), field: 'config/identities.json', fix: /never paste a seed here/ },
  { name: 'one public key for two identities', change: (f) => f, keys: (k) => ({ ...k, monitor: k.agent }), field: 'config/identities.json', fix: /every identity needs its own key pair/ },
  // backend
  { name: 'a local state dir outside the repo', change: top({ backend: { type: 'local', dir: '/var/state' } }), field: 'backend.dir', fix: /use a path inside the repo/ },
  { name: 'an S3 endpoint without https', change: top({ backend: { type: 's3', bucket: 'b', endpoint: 'http://s3.example.org', region: 'r' } }), field: 'backend.endpoint', fix: /use the https URL/ },
  { name: 'an S3 backend without a bucket', change: top({ backend: { type: 's3', bucket: '', endpoint: 'https://s3.example.org', region: 'r' } }), field: 'backend.bucket', fix: /name the S3 bucket/ },
  // mgmt
  { name: 'a location Hetzner does not have', change: mgmt({ location: 'mars1' }), field: 'mgmt.location', fix: /use one of fsn1/ },
  { name: 'a retired server type', change: mgmt({ serverType: 'cx22' }), field: 'mgmt.serverType', fix: /retired, use cx23/ },
  { name: 'an Arm server type', change: mgmt({ serverType: 'cax21' }), field: 'mgmt.serverType', fix: /use an x86 type/ },
  { name: 'two SSH keys in one entry', change: mgmt({ adminSshKeys: [`${ED25519}\nssh-ed25519 AAAA x`] }), field: 'mgmt.adminSshKeys[0]', fix: /one key per entry/ },
  { name: 'authorized_keys options before a key', change: mgmt({ adminSshKeys: [`command="/bin/sh" ${ED25519}`] }), field: 'mgmt.adminSshKeys[0]', fix: /options/ },
  { name: 'a private key pasted as an admin key', change: mgmt({ adminSshKeys: [`-----BEGIN OPENSSH ${'PRIVATE'} KEY-----`] }), field: 'mgmt.adminSshKeys[0] is (not shown)', fix: /paste the public half/ },
  { name: 'SSH from the whole Internet by two halves', change: mgmt({ adminCidrs: ['0.0.0.0/1', '128.0.0.0/1'] }), field: 'mgmt.adminCidrs together cover every IPv4 address', fix: /allowSshFromAnywhere: true/ },
  { name: 'a CIDR with host bits', change: mgmt({ adminCidrs: ['203.0.113.7/24'] }), field: 'mgmt.adminCidrs[0]', fix: /write the network, 203.0.113.0\/24/ },
  { name: 'a domain that is no host name', change: mgmt({ domains: { ...exampleFleet.mgmt.domains, sso: 'sso example' } }), field: 'mgmt.domains.sso', fix: /lowercase DNS name/ },
  { name: 'a module ref that is a branch', change: mgmt({ nixosAnywhereRef: 'main' }), field: 'mgmt.nixosAnywhereRef', fix: /pin a release tag/ },
  { name: 'a DNS zone the domains are not in', change: mgmt({ dns: { zone: 'example.com' } }), field: 'mgmt.domains.opsBridge', fix: /not in mgmt.dns.zone/ },
  { name: 'a DNS TTL out of range', change: mgmt({ dns: { zone: 'example.org', ttl: 5 } }), field: 'mgmt.dns.ttl', fix: /from 60 to 86400/ },
  // backups and monitoring
  { name: 'a backup repository on the host itself', change: backup({ repository: '/var/backup/restic' }), field: 'mgmt.backup.repository', fix: /not an off-host restic repository.*e\.g\. s3:https/ },
  { name: 'credentials in the backup repository URL', change: backup({ repository: 'rest:https://user:secret@backup.example.org/' }), field: 'mgmt.backup.repository', fix: /credentials in its URL/ },
  { name: 'a retention that keeps nothing', change: backup({ keep: { daily: 0, weekly: 0, monthly: 0 } }), field: 'mgmt.backup.keep', fix: /keep at least daily: 7/ },
  { name: 'a negative retention', change: backup({ keep: { weekly: -1 } }), field: 'mgmt.backup.keep.weekly', fix: /whole number of snapshots from 0 to 1000/ },
  { name: 'a backup calendar with shell characters', change: backup({ onCalendar: 'daily; rm -rf /' }), field: 'mgmt.backup.onCalendar', fix: /not a systemd calendar expression/ },
  { name: 'KV snapshots over sftp', change: snapshots({ repository: 'sftp:u1@u1.your-storagebox.de:/kv' }), field: 'account.kv.snapshots.repository', fix: /sftp needs an SSH key/ },
  { name: 'KV snapshots in the mgmt backup repository', change: snapshots({ repository: exampleFleet.mgmt.backup.repository }), field: 'account.kv.snapshots.repository', fix: /give the snapshots their own repository/ },
  { name: 'a snapshot schedule that is not cron', change: snapshots({ schedule: 'every hour' }), field: 'account.kv.snapshots.schedule', fix: /five-field cron schedule/ },
  { name: 'an alert receiver of unknown kind', change: monitoring({ receiver: { kind: 'pager' } }), field: 'mgmt.monitoring.receiver.kind', fix: /use one of "email", "webhook"/ },
  { name: 'an alert address that is not one', change: monitoring({ receiver: { kind: 'email', to: 'oncall', from: 'a@example.org', smarthost: 'smtp.example.org:587' } }), field: 'mgmt.monitoring.receiver.to', fix: /not an email address/ },
  { name: 'a smarthost without a port', change: monitoring({ receiver: { kind: 'email', to: 'o@example.org', from: 'a@example.org', smarthost: 'smtp.example.org' } }), field: 'mgmt.monitoring.receiver.smarthost', fix: /host:port/ },
  { name: 'metrics open to the Internet', change: monitoring({ scrapeFrom: ['0.0.0.0/1', '128.0.0.0/1'] }), field: 'mgmt.monitoring.scrapeFrom', fix: /covers every IPv4 address/ },
  { name: 'a scrape source that is not a CIDR', change: monitoring({ scrapeFrom: ['mgmt.example.org'] }), field: 'mgmt.monitoring.scrapeFrom[0]', fix: /not a CIDR/ },
  { name: 'metrics ports over the gateway port', change: site(0, { metrics: { port: 7221 } }), field: 'sites[0].metrics.port', fix: /includes the gateway port 7222/ },
  { name: 'metrics ports past 65535', change: site(0, { metrics: { port: 65534 } }), field: 'sites[0].metrics.port', fix: /must be TCP ports/ },
  { name: 'a NodePort site without metrics ports', change: gateway(0, { exposure: 'NodePort', port: 30722 }), field: 'sites[0].metrics.port', fix: /set the first of 3 node ports/ },
];

describe('bad input is refused at synth, naming the field and the fix, leaving no stale stack', () => {
  const root = mkdtempSync(join(tmpdir(), 'harmony-bad-input-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;

  test('the table covers at least 60 classes, each named once', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(ROWS.map((r) => r.name)).size).toBe(ROWS.length);
  });

  test.each(ROWS.map((r) => [r.name, r] as const))('%s', (_, row) => {
    const out = join(root, String(++n));
    // What an earlier good synth left: it must not survive a refused one.
    mkdirSync(join(out, 'stacks', 'nats-site-1'), { recursive: true });
    writeFileSync(join(out, 'manifest.json'), '{}');
    let error: unknown;
    try {
      synthFleet(row.change(exampleFleet), row.keys ? row.keys(exampleIdentities) : exampleIdentities, out);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FleetValidationError);
    const problems = (error as FleetValidationError).problems;
    const matching = problems.filter((p) => p.startsWith(row.field));
    expect({ row: row.name, problems }).toEqual({ row: row.name, problems: expect.arrayContaining([expect.stringMatching(row.fix)]) });
    expect(matching.some((p) => row.fix.test(p))).toBe(true);
    expect(existsSync(join(out, 'stacks'))).toBe(false);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });

  test('no message carries a byte of a pasted seed or private key', () => {
    const seed = `SU${'B'.repeat(56)}`;
    let error: unknown;
    try {
      synthFleet(mgmt({ adminSshKeys: [`-----BEGIN OPENSSH ${'PRIVATE'} KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA`] })(exampleFleet), { ...exampleIdentities, agent: [seed] }, join(root, 'seed'));
    } catch (e) {
      error = e;
    }
    const text = (error as Error).message;
    expect(text).not.toContain(seed.slice(0, 10));
    expect(text).not.toContain('b3BlbnNz');
  });
});

// The rows use the fleet as it ships: a site for the helpers' type.
export type { SiteSpec };
