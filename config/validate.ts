import { isIP } from 'node:net';
import { fromPublic } from 'nkeys.js';
import { agentNamespace, bucketName, bucketReplicas, gatewayExposure, gatewayHosts, gatewayPeerSourceRanges, gatewayPort, mirrorReplicas, natsVersion, siteMemoryStore, siteNamespace, siteNodes, siteResources, siteSpread } from '../lib/defaults';
import { MIN_NATS_VERSION, atLeast, countsGatewayUrls, parseVersion } from '../lib/nats/versions';
import { expectedMetaGroupSize, superclusterServers } from '../lib/nats/gateways';
import type { IdentityKeys } from '../lib/nats/accounts';
import type { JwtBundle } from '../lib/nats/jwt-bundle';
import { validateAuth } from './validate-auth';
import { allowListRules } from './allow-list-rules';
import { websocketRules } from './validate-websocket';
import { BUILTIN_IDENTITIES, SYSTEM_ACCOUNT } from '../lib/nats/accounts';
import { kvLayout, originCandidates } from '../lib/nats/kv-placement';
import { serverName } from '../lib/nats/names';
import { bytes, parseQuantity } from '../lib/quantity';
import type { Fleet, ServiceIdentitySpec, SiteSpec } from './types';
import { shapeProblems } from './fleet-shape';
import { parseCidr, validateMgmtHost } from './validate-mgmt';
import { validateOps } from './validate-ops';

/** A rule: when `failed`, `message` says what is wrong, where, and the fix. */
interface Rule {
  readonly failed: boolean;
  readonly message: string;
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const BUCKET = /^[A-Za-z0-9_-]+$/;
const ACCOUNT = /^[A-Z][A-Z0-9_]*$/;
const CPU = /^(\d+m|\d+(\.\d+)?)$/;
/** A Kubernetes label key: optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
const LABEL_KEY = /^(?:[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;
const QUANTITY_HINT = 'write a binary quantity such as 512Mi or 20Gi';

const isHost = (h: string) => isIP(h) !== 0 || HOSTNAME.test(h);
const isInt = (n: number, min: number, max = Number.MAX_SAFE_INTEGER) => Number.isInteger(n) && n >= min && n <= max;
const quantityRule = (path: string, value: string, max: string): Rule[] => {
  const parsed = parseQuantity(value);
  return [
    { failed: parsed === undefined, message: `${path} is "${value}": not a binary quantity; ${QUANTITY_HINT}` },
    // Far past any real machine: a typo, and past it nats-server or Kubernetes refuse the rendered value.
    { failed: parsed !== undefined && parsed > bytes(max), message: `${path} is "${value}": more than ${max}, far past what this is for; check the unit (Mi, Gi, Ti)` },
  ];
};

/** Upper bounds of the fleet's quantities. */
const MAX = { pvc: '64Ti', memory: '1Ti', account: '1024Ti', bucket: '64Ti' } as const;

/** A private address: RFC 1918, CGNAT, loopback, link-local or IPv6 ULA. */
function isPrivateIp(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number);
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
  }
  const lower = ip.toLowerCase();
  return lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower);
}

/** Addresses no other site can reach: loopback, unspecified, link-local, multicast. */
function unreachableIp(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number);
    return a === 127 || a === 0 || (a === 169 && b === 254) || a >= 224;
  }
  if (isIP(ip) !== 6) return false;
  const lower = ip.toLowerCase();
  return lower === '::1' || lower === '::' || /^fe[89ab]/.test(lower) || lower.startsWith('ff') || /^::ffff:(127|0)\./.test(lower);
}

/** A private network address (RFC 1918, CGNAT, IPv6 ULA): reachable only on a shared private network. */
function privateNetworkIp(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number);
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  return isIP(ip) === 6 && /^f[cd]/.test(ip.toLowerCase());
}

/** Ports a k3s node already uses: ServiceLB binds a LoadBalancer's port on every node. */
const NODE_PORTS: Readonly<Record<number, string>> = {
  22: 'sshd',
  53: 'DNS',
  80: "k3s's Traefik ingress",
  443: "k3s's Traefik ingress",
  2379: 'etcd',
  2380: 'etcd',
  6443: 'the Kubernetes API',
  8472: 'flannel VXLAN',
  10250: 'the kubelet',
  10256: 'kube-proxy health',
  51820: 'flannel WireGuard',
  51821: 'flannel WireGuard (IPv6)',
};

/** Namespaces Kubernetes owns. */
const RESERVED_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function siteRules(site: SiteSpec, i: number): Rule[] {
  const at = `sites[${i}]`;
  const nodes = siteNodes(site);
  const port = gatewayPort(site);
  const exposure = gatewayExposure(site);
  const hosts = gatewayHosts(site);
  const tls = site.gateway.tls ?? true;
  return [
    { failed: !DNS_LABEL.test(site.name), message: `${at}.name is "${site.name}": not a DNS label; use lowercase letters, digits and '-', at most 63 characters, e.g. "site-1"` },
    { failed: !isInt(nodes, 3), message: `${at}.nodes is ${nodes}: a JetStream site needs at least 3 servers for R=3; set nodes: 3` },
    { failed: !site.kubernetes.configPath, message: `${at}.kubernetes.configPath is empty; set the path of the site's kubeconfig, e.g. "~/.kube/${site.name}.yaml"` },
    { failed: !site.kubernetes.context, message: `${at}.kubernetes.context is empty; set the kubeconfig context of the site's k3s cluster` },
    { failed: !DNS_LABEL.test(siteNamespace(site)), message: `${at}.namespace is "${siteNamespace(site)}": not a DNS label; e.g. "nats"` },
    {
      failed: RESERVED_NAMESPACES.includes(siteNamespace(site)),
      message: `${at}.namespace is "${siteNamespace(site)}": a namespace Kubernetes owns; the stack creates and may destroy its namespace: use a dedicated one, e.g. "nats"`,
    },
    ...hosts.map((h, j) => ({
      failed: unreachableIp(h),
      message: `${at}.gateway.${j === 0 ? 'advertiseHost' : `extraHosts[${j - 1}]`} is "${h}": a loopback, unspecified, link-local or multicast address no other site can dial; use the site's public or private network address`,
    })),
    ...hosts.map((h, j) => ({
      failed: privateNetworkIp(h) && site.gateway.private !== true,
      message: `${at}.gateway.${j === 0 ? 'advertiseHost' : `extraHosts[${j - 1}]`} is "${h}": a private network address, reachable by the other sites only over a private network; set gateway.private: true if they share one, else use a public address`,
    })),
    {
      failed: exposure === 'LoadBalancer' && NODE_PORTS[port] !== undefined,
      message: `${at}.gateway.port is ${port}: k3s's ServiceLB binds a LoadBalancer port on every node, and ${NODE_PORTS[port]} already uses ${port} there; keep 7222 or pick a free port`,
    },
    {
      failed: exposure === 'LoadBalancer' && port >= 30000 && port <= 32767,
      message: `${at}.gateway.port is ${port}: inside the NodePort range (30000-32767), where Kubernetes allocates other Services' node ports; keep 7222, or use exposure "NodePort" for a node port`,
    },
    ...hosts.map((h, j) => ({
      failed: !isHost(h),
      message: `${at}.gateway.${j === 0 ? 'advertiseHost' : `extraHosts[${j - 1}]`} is "${h}": not a host name or IP address; e.g. "nats-gw.${site.name}.example.org"`,
    })),
    { failed: !isInt(port, 1, 65535), message: `${at}.gateway.port is ${port}: not a TCP port; use 1-65535 (default 7222)` },
    {
      failed: exposure !== 'LoadBalancer' && exposure !== 'NodePort',
      message: `${at}.gateway.exposure is "${exposure}": use "LoadBalancer" (k3s ServiceLB) or "NodePort"`,
    },
    {
      failed: exposure === 'NodePort' && !isInt(port, 30000, 32767),
      message: `${at}.gateway.port is ${port} with exposure NodePort: Kubernetes node ports are 30000-32767; pick one in that range or use exposure "LoadBalancer"`,
    },
    {
      failed: !tls && !site.gateway.private,
      message: `${at}.gateway.tls is false on a public address: gateways outside a private network must use mutual TLS; remove tls: false, or set private: true if ${site.gateway.advertiseHost} is only reachable on a private network`,
    },
    ...hosts.map((h) => ({
      failed: site.gateway.private === true && isIP(h) !== 0 && !isPrivateIp(h),
      message: `${at}.gateway.private is true but ${h} is a public address; remove private: true (and keep TLS on)`,
    })),
    {
      failed: !LABEL_KEY.test(siteSpread(site).topologyKey),
      message: `${at}.spread.topologyKey is "${siteSpread(site).topologyKey}": not a Kubernetes label key; e.g. "kubernetes.io/hostname" or "topology.kubernetes.io/zone"`,
    },
    {
      failed: !['DoNotSchedule', 'ScheduleAnyway'].includes(siteSpread(site).whenUnsatisfiable),
      message: `${at}.spread.whenUnsatisfiable is "${siteSpread(site).whenUnsatisfiable}": use "DoNotSchedule" or "ScheduleAnyway"`,
    },
    ...(site.gateway.peerSourceRanges ?? []).map((cidr, j) => ({
      failed: parseCidr(cidr) === undefined,
      message: `${at}.gateway.peerSourceRanges[${j}] is "${cidr}": not a CIDR; write the other sites' source addresses, e.g. "198.51.100.0/24" or "2001:db8::/48"`,
    })),
    ...(site.gateway.peerSourceRanges ?? []).map((cidr, j) => ({
      failed: parseCidr(cidr)?.prefix === 0,
      message: `${at}.gateway.peerSourceRanges[${j}] is "${cidr}": that is every address; list the other sites' source addresses`,
    })),
    ...quantityRule(`${at}.storage.size`, site.storage.size, MAX.pvc),
    ...quantityRule(`${at}.memoryStore`, site.memoryStore ?? '0', MAX.memory),
    ...(site.resources?.cpu !== undefined ? [{ failed: !CPU.test(site.resources.cpu), message: `${at}.resources.cpu is "${site.resources.cpu}": write millicores ("250m") or cores ("1")` }] : []),
    ...(site.resources?.memory !== undefined ? quantityRule(`${at}.resources.memory`, site.resources.memory, MAX.memory) : []),
    ...(site.resources?.memoryLimit !== undefined ? quantityRule(`${at}.resources.memoryLimit`, site.resources.memoryLimit, MAX.memory) : []),
    ...resourceRelations(site, at),
  ];
}

/** Requests within limits, and the memory store within the container's memory (it lives there). */
function resourceRelations(site: SiteSpec, at: string): Rule[] {
  const r = siteResources(site);
  const request = parseQuantity(r.memory);
  const limit = parseQuantity(r.memoryLimit);
  const store = parseQuantity(siteMemoryStore(site));
  if (request === undefined || limit === undefined || store === undefined) return [];
  return [
    {
      failed: request > limit,
      message: `${at}.resources.memory (${r.memory}) is above resources.memoryLimit (${r.memoryLimit}): Kubernetes refuses a request over its limit; raise memoryLimit or lower memory`,
    },
    {
      failed: store >= limit,
      message: `${at}.memoryStore (${siteMemoryStore(site)}) does not fit resources.memoryLimit (${r.memoryLimit}): JetStream's memory store lives in the server's memory, which also needs room of its own; keep memoryStore well below memoryLimit`,
    },
  ];
}

function fleetSiteRules(fleet: Fleet): Rule[] {
  const names = fleet.sites.map((s) => s.name);
  const duplicates = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  const servers = fleet.sites.flatMap((s) => Array.from({ length: Math.max(0, siteNodes(s)) }, (_, i) => serverName(s, i)));
  const duplicateServers = [...new Set(servers.filter((n, i) => servers.indexOf(n) !== i))];
  const endpoints = fleet.sites.flatMap((s, i) => gatewayHosts(s).map((h) => ({ at: `sites[${i}]`, key: `${h.toLowerCase()}:${gatewayPort(s)}` })));
  const collisions = endpoints.filter((e, i) => endpoints.findIndex((o) => o.key === e.key) !== i);
  const tlsModes = new Set(fleet.sites.map((s) => s.gateway.tls ?? true));
  return [
    {
      failed: fleet.sites.length < 3,
      message: `sites has ${fleet.sites.length} entr${fleet.sites.length === 1 ? 'y' : 'ies'}: a JetStream supercluster needs at least 3 sites, or losing one site loses the meta quorum; add sites`,
    },
    ...duplicates.map((d) => ({ failed: true, message: `sites: the name "${d}" is used more than once; site names are cluster and gateway names and must be unique` })),
    ...duplicateServers
      .filter(() => duplicates.length === 0)
      .map((d) => ({ failed: true, message: `sites: server name "${d}" occurs twice across the supercluster; rename one of the sites` })),
    ...collisions.map((c) => ({
      failed: true,
      message: `${c.at}.gateway: ${c.key} is already the gateway address of another site; each site needs its own host:port`,
    })),
    ...fleet.sites.map((site, i) => ({
      failed: gatewayExposure(site) === 'LoadBalancer' && !site.gateway.private && gatewayPeerSourceRanges(fleet, site).length === 0,
      message:
        `sites[${i}].gateway has no peerSourceRanges and none can be derived (the other sites list host names only): its public gateway would accept anyone; ` +
        "set sites[].gateway.peerSourceRanges to the other sites' source addresses, or list their node IPs in extraHosts",
    })),
    {
      failed: tlsModes.size > 1,
      message: `sites[*].gateway.tls differs between sites: gateway TLS is all-or-nothing (a TLS gateway cannot talk to a plain one); set the same value on every site`,
    },
  ];
}

function serviceRules(s: ServiceIdentitySpec, i: number): Rule[] {
  const at = `account.services[${i}]`;
  const reserved = (BUILTIN_IDENTITIES as readonly string[]).includes(s.name);
  const lists = [
    ['publish', s.publish],
    ['subscribe', s.subscribe],
  ] as const;
  return [
    { failed: !DNS_LABEL.test(s.name), message: `${at}.name is "${s.name}": not a DNS label; e.g. "billing"` },
    { failed: reserved, message: `${at}.name is "${s.name}": reserved for a built-in identity; choose another name` },
    {
      failed: s.publish.length === 0 && s.subscribe.length === 0,
      message: `${at} (${s.name}) has empty publish and subscribe lists: an identity must be allowed something; list the subjects it needs`,
    },
    ...lists.flatMap(([kind, subjects]) => allowListRules(`${at}.${kind}`, subjects)),
  ];
}

function accountRules(fleet: Fleet): Rule[] {
  const account = fleet.account;
  const js = account.jetstream;
  const name = account.name ?? 'HARMONY';
  const services = account.services ?? [];
  const serviceNames = services.map((s) => s.name);
  const duplicateServices = [...new Set(serviceNames.filter((n, i) => serviceNames.indexOf(n) !== i))];
  return [
    {
      failed: name === SYSTEM_ACCOUNT,
      message: `account.name is "${SYSTEM_ACCOUNT}": the system account cannot have JetStream or application users; use a dedicated account such as "HARMONY"`,
    },
    { failed: !ACCOUNT.test(name) || name === '$G', message: `account.name is "${name}": use upper-case letters, digits and '_', e.g. "HARMONY"` },
    ...quantityRule('account.jetstream.maxMemory', js.maxMemory, MAX.account),
    ...quantityRule('account.jetstream.maxFile', js.maxFile, MAX.account),
    { failed: !isInt(js.maxStreams, 1), message: `account.jetstream.maxStreams is ${js.maxStreams}: must be a whole number of at least 1` },
    { failed: !isInt(js.maxConsumers, 1), message: `account.jetstream.maxConsumers is ${js.maxConsumers}: must be a whole number of at least 1` },
    ...duplicateServices.map((d) => ({ failed: true, message: `account.services: "${d}" is declared more than once; identity names must be unique` })),
    ...services.flatMap(serviceRules),
  ];
}

function kvRules(fleet: Fleet): Rule[] {
  const kv = fleet.account.kv;
  const bucket = bucketName(kv);
  const home = fleet.sites.find((s) => s.name === kv.homeSite);
  const replicas = bucketReplicas(kv);
  const mirrorR = mirrorReplicas(kv);
  const basic: Rule[] = [
    { failed: !BUCKET.test(bucket), message: `account.kv.bucket is "${bucket}": use letters, digits, '-' and '_' only` },
    {
      failed: home === undefined,
      message: `account.kv.homeSite is "${kv.homeSite}": no site has that name; use one of ${fleet.sites.map((s) => `"${s.name}"`).join(', ')}`,
    },
    {
      failed: !isInt(replicas, 1, home ? siteNodes(home) : 5),
      message: `account.kv.replicas is ${replicas}: must be 1 to the home site's node count (${home ? siteNodes(home) : '?'}); 3 survives the loss of one server`,
    },
    {
      failed: !isInt(mirrorR, 1, Math.min(...fleet.sites.filter((s) => s !== home).map(siteNodes), 5)),
      message: `account.kv.mirrorReplicas is ${mirrorR}: must be at least 1 and at most the node count of every mirror site`,
    },
    {
      failed: kv.originStream !== undefined && ![`KV_${bucket}`, `KV_${bucket}_${kv.homeSite}`].includes(kv.originStream),
      message: `account.kv.originStream is "${kv.originStream}": the origin is KV_${bucket}, or after an in-place promotion KV_${bucket}_${kv.homeSite} (the promoted mirror of the home site); set what \`npm run kv -- promote\` printed, or remove it`,
    },
    { failed: !isInt(kv.maxConsumers ?? 32, 1, 10_000), message: `account.kv.maxConsumers is ${kv.maxConsumers}: a whole number of at least 1 (default 32)` },
    { failed: !isInt(kv.history ?? 5, 1, 64), message: `account.kv.history is ${kv.history}: NATS KV keeps 1 to 64 values per key` },
    ...quantityRule('account.kv.maxValueSize', kv.maxValueSize, MAX.bucket),
    ...quantityRule('account.kv.maxBytes', kv.maxBytes, MAX.bucket),
  ];
  if (basic.some((r) => r.failed) || fleet.sites.some((s) => parseQuantity(s.storage.size) === undefined) || parseQuantity(fleet.account.jetstream.maxFile) === undefined) {
    return basic;
  }
  return [...basic, ...storageFitRules(fleet)];
}

/**
 * JetStream reserves replicas x max bytes for every stream, mirrors
 * included: the bucket must fit the account's file limit, and each site's
 * share must fit its servers' PVCs (each replica on its own server).
 */
function storageFitRules(fleet: Fleet): Rule[] {
  const layout = kvLayout(fleet);
  const placements = [layout.origin, ...layout.mirrors];
  const reserved = placements.reduce((sum, p) => sum + p.replicas * layout.maxBytes, 0);
  const maxFile = parseQuantity(fleet.account.jetstream.maxFile) ?? 0;
  const mib = (n: number) => `${Math.ceil(n / 1024 ** 2)}Mi`;
  const update210 = placements.length * layout.maxBytes * layout.origin.replicas;
  return [
    {
      failed: layout.maxValueSize > MAX_PAYLOAD - HEADER_ROOM,
      message: `account.kv.maxValueSize is ${fleet.account.kv.maxValueSize}: a value travels as one NATS message, which the servers cap at max_payload (1Mi) with its headers; use at most ${(MAX_PAYLOAD - HEADER_ROOM) / 1024}Ki`,
    },
    {
      failed: fleet.account.jetstream.maxConsumers <= originCandidates(fleet).length * layout.maxConsumers,
      message:
        `account.jetstream.maxConsumers is ${fleet.account.jetstream.maxConsumers}, but the bucket's ${originCandidates(fleet).length} stream names may each hold account.kv.maxConsumers (${layout.maxConsumers}): ` +
        `one identity could use up every consumer of the account; raise maxConsumers above ${originCandidates(fleet).length * layout.maxConsumers} or lower account.kv.maxConsumers`,
    },
    {
      failed: layout.maxValueSize > layout.maxBytes,
      message: `account.kv.maxValueSize (${fleet.account.kv.maxValueSize}) exceeds account.kv.maxBytes (${fleet.account.kv.maxBytes}); lower maxValueSize`,
    },
    {
      failed: reserved > maxFile,
      message: `account.jetstream.maxFile is ${fleet.account.jetstream.maxFile} but the bucket reserves ${mib(reserved)} (${placements.map((p) => `${p.replicas} x ${fleet.account.kv.maxBytes} in ${p.site}`).join(' + ')}); raise maxFile to at least ${mib(reserved)} or lower account.kv.maxBytes`,
    },
    {
      // nats-server 2.10 (jetstream_cluster.go, tieredStreamAndReservationCount)
      // counts every other stream of the account at the replicas of the stream
      // being updated: an update of the origin (R3) reserves each R1 mirror
      // three times and is refused with "insufficient storage resources
      // available". Fixed from 2.11 on.
      failed: pre211(fleet) && update210 > maxFile,
      message: `account.jetstream.maxFile is ${fleet.account.jetstream.maxFile} but on nats-server ${natsVersion(fleet)} updating the bucket's origin reserves ${mib(update210)} (2.10 counts all ${placements.length} streams at the origin's ${layout.origin.replicas} replicas); raise maxFile to at least ${mib(update210)}, or set nats.version to 2.11.0 or newer`,
    },
    {
      failed: placements.length > fleet.account.jetstream.maxStreams,
      message: `account.jetstream.maxStreams is ${fleet.account.jetstream.maxStreams} but the bucket and its mirrors are ${placements.length} streams; raise maxStreams`,
    },
    ...placements.map((p) => {
      const i = fleet.sites.findIndex((s) => s.name === p.site);
      const pvc = parseQuantity(fleet.sites[i].storage.size) ?? 0;
      // Promoting a mirror copies it into a staging stream first: a mirror site's server briefly holds the bucket twice.
      const needed = p === layout.origin ? layout.maxBytes : 2 * layout.maxBytes;
      return {
        failed: needed > pvc,
        message:
          p === layout.origin
            ? `sites[${i}].storage.size is ${fleet.sites[i].storage.size}, smaller than account.kv.maxBytes (${fleet.account.kv.maxBytes}) that each of its servers holding a bucket replica must store; raise the PVC size or lower maxBytes`
            : `sites[${i}].storage.size is ${fleet.sites[i].storage.size}, smaller than twice account.kv.maxBytes (${fleet.account.kv.maxBytes}): a mirror site must hold the mirror and, while it is promoted, its staging copy; raise the PVC size to at least ${mib(needed)} or lower maxBytes`,
      };
    }),
  ];
}

const NKEY_USER = /^U[A-Z2-7]{55}$/;

function identityRules(fleet: Fleet, keys: IdentityKeys): Rule[] {
  const declared = [...BUILTIN_IDENTITIES, ...(fleet.account.services ?? []).map((s) => s.name)];
  const all = Object.values(keys).flat();
  const validKey = (k: string) => {
    try {
      return NKEY_USER.test(k) && fromPublic(k).getPublicKey() === k;
    } catch {
      return false;
    }
  };
  return [
    ...declared.flatMap((id) => {
      const list = keys[id] ?? [];
      return [
        { failed: list.length === 0, message: `config/identities.json has no public key for identity "${id}"; run \`npm run keys -- init\`` },
        { failed: list.length > 2, message: `config/identities.json lists ${list.length} keys for "${id}": at most 2 (one old, one new during a rotation); run \`npm run keys -- retire ${id}\`` },
      ];
    }),
    ...Object.keys(keys)
      .filter((id) => !declared.includes(id))
      .map((id) => ({ failed: true, message: `config/identities.json has keys for "${id}", which the fleet does not declare; declare it in account.services or delete its entry` })),
    ...Object.entries(keys).flatMap(([id, list]) =>
      list.map((k, j) => ({
        failed: !validKey(k),
        // Never echo the value: it may be a seed pasted by mistake.
        message: `config/identities.json "${id}"[${j}] is not an nkey user public key (U..., 56 characters); mint keys with \`npm run keys\` and never paste a seed here`,
      })),
    ),
    ...[...new Set(all.filter((k, i) => all.indexOf(k) !== i))].map(() => ({
      failed: true,
      message: 'config/identities.json uses the same public key for two entries; every identity needs its own key pair',
    })),
  ];
}

function backendRules(fleet: Fleet): Rule[] {
  const b = fleet.backend;
  if (!b || b.type === 'local') return [{ failed: b?.dir !== undefined && (b.dir.startsWith('/') || b.dir.includes('..')), message: `backend.dir is "${b?.dir}": use a path inside the repo, e.g. "state"` }];
  return [
    { failed: !b.bucket, message: 'backend.bucket is empty; name the S3 bucket that holds the state' },
    { failed: !/^https:\/\/[^/]+/.test(b.endpoint), message: `backend.endpoint is "${b.endpoint}": use the https URL of the S3 endpoint, e.g. "https://fsn1.your-objectstorage.com"` },
    { failed: !b.region, message: 'backend.region is empty; set the region the endpoint expects, e.g. "fsn1"' },
  ];
}

/**
 * Soft problems: synth goes on, the operator is told. None today: what
 * used to be one (a site listed by one address) is a cold-start quorum
 * error now (quorumRules).
 */
export function fleetWarnings(_fleet: Fleet): string[] {
  return [];
}

/**
 * Cold-start quorum: every server must expect exactly the supercluster's
 * servers in the JetStream meta group (expectedMetaGroupSize). As each site
 * counts the others' gateway addresses, that holds exactly when every site
 * lists as many gateway addresses as it has servers.
 */
function quorumRules(fleet: Fleet): Rule[] {
  const total = superclusterServers(fleet);
  const version = parseVersion(natsVersion(fleet));
  const perUrl = version === undefined || countsGatewayUrls(version);
  return fleet.sites.flatMap((site, i) => {
    const hosts = gatewayHosts(site);
    const nodes = siteNodes(site);
    const others = fleet.sites.filter((s) => s !== site).map((s) => s.name);
    const names = hosts.filter((h) => isIP(h) === 0);
    return [
      {
        failed: hosts.length !== nodes,
        message:
          `sites[${i}].gateway lists ${hosts.length} address${hosts.length === 1 ? '' : 'es'} (advertiseHost + extraHosts) for ${nodes} servers: ` +
          `${others.join(' and ')} count each as one JetStream peer at first boot and would expect ` +
          `${fleet.sites.filter((s) => s !== site).map((s) => expectedMetaGroupSize(fleet, s))[0]} meta-group members where the supercluster has ${total}; ` +
          `${hosts.length < nodes ? 'too few lets a lone site elect its own meta leader (split brain)' : 'too many blocks every election'}; ` +
          `list exactly ${nodes} distinct addresses (advertiseHost and ${nodes - 1} in extraHosts, e.g. the k3s nodes' addresses)`,
      },
      {
        failed: !perUrl && names.length > 0,
        message:
          `sites[${i}].gateway uses host names (${names.join(', ')}) with nats.version ${natsVersion(fleet)}: before 2.12.10 and 2.14.2 a server counts every address a gateway host name resolves to at boot as a meta-group peer, so the cold-start quorum depends on DNS; ` +
          'use IP addresses, or nats.version 2.14.2 or newer',
      },
    ];
  });
}

function natsRules(fleet: Fleet): Rule[] {
  const version = natsVersion(fleet);
  const parsed = parseVersion(version);
  return [
    { failed: parsed === undefined, message: `nats.version is "${version}": write a release version such as "2.14.2" (the image is nats:<version>-alpine)` },
    {
      failed: parsed !== undefined && !atLeast(parsed, MIN_NATS_VERSION),
      message: `nats.version is "${version}": older than ${MIN_NATS_VERSION}, the oldest server this fleet is tested on; use ${MIN_NATS_VERSION} or newer (default 2.14.2)`,
    },
  ];
}

/** nats-server's max_payload, which the fleet leaves at its default. */
export const MAX_PAYLOAD = 1024 * 1024;
/** Room left for a KV message's headers and subject. */
const HEADER_ROOM = 4 * 1024;

const pre211 = (fleet: Fleet): boolean => {
  const version = parseVersion(natsVersion(fleet));
  return version !== undefined && !atLeast(version, '2.11.0');
};

/** Every problem with the fleet at once (empty when it can be synthesized). */
export function validateFleet(fleet: Fleet, keys: IdentityKeys, jwts?: JwtBundle): string[] {
  // Structure first: the rules below assume every field has its type.
  const shape = shapeProblems(fleet);
  if (shape.length > 0) return shape;
  const rules = [
    ...natsRules(fleet),
    ...fleetSiteRules(fleet),
    ...(fleet.sites.length >= 3 && fleet.sites.every((s) => isInt(siteNodes(s), 3)) ? quorumRules(fleet) : []),
    ...fleet.sites.flatMap((s, i) => siteRules(s, i)),
    ...fleet.sites.flatMap((s, i) => websocketRules(s, i)),
    ...accountRules(fleet),
    ...kvRules(fleet),
    ...identityRules(fleet, keys),
    { failed: !DNS_LABEL.test(agentNamespace(fleet)), message: `account.agentNamespace is "${agentNamespace(fleet)}": not a DNS label; e.g. "harmony"` },
    {
      failed: RESERVED_NAMESPACES.includes(agentNamespace(fleet)),
      message: `account.agentNamespace is "${agentNamespace(fleet)}": a namespace Kubernetes owns; the stacks create and may destroy it: use a dedicated one, e.g. "harmony"`,
    },
    ...fleet.sites.map((site, i) => ({
      failed: siteNamespace(site) === agentNamespace(fleet),
      message: `sites[${i}].namespace and account.agentNamespace are both "${agentNamespace(fleet)}": each stack would create that namespace twice, and the agent's seed would sit beside the servers; give them different names`,
    })),
    ...backendRules(fleet),
  ];
  const problems = [...validateMgmtHost(fleet.mgmt), ...rules.filter((r) => r.failed).map((r) => r.message), ...validateOps(fleet)];
  // The tokens are checked against a fleet that is otherwise sound: a broken limit or identity is reported once, above.
  return problems.length > 0 ? problems : validateAuth(fleet, keys, jwts);
}
