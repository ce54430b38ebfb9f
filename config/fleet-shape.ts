import type { MgmtHostSpec } from './mgmt-types';
import type { AlertReceiverSpec, MgmtBackupSpec, MonitoringSpec, RetentionSpec } from './ops-types';
import type { BackendSpec, CalloutSpec, Fleet, JwtAuthSpec, NkeysAuthSpec, GatewaySpec, HarmonyAccountSpec, KvBucketSpec, KvSnapshotSpec, NatsSpec, ServiceIdentitySpec, SiteSpec, SpreadSpec, WebSocketSpec } from './types';

/**
 * The fleet's shape, checked at run time before any rule: synth transpiles
 * without type-checking, so a misspelt field (`advertizeHost`) would
 * otherwise be ignored in silence, and a value of the wrong type would
 * reach the rules. Every object type of the fleet has its list of fields
 * here; the mapped types below make the compiler refuse a list that misses
 * a field of the type or names one it does not have.
 */
type Kind = 'string' | 'number' | 'boolean' | 'strings' | Shape | { readonly list: Shape } | { readonly oneOf: Readonly<Record<string, Shape>>; readonly by: string };

interface FieldSpec {
  readonly kind: Kind;
  readonly optional?: boolean;
}

interface Shape {
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldSpec>>;
}

/** Every key of T, required or not, exactly once. */
type FieldsOf<T> = { readonly [K in keyof Required<T>]: FieldSpec };

const shape = <T>(name: string, fields: FieldsOf<T>): Shape => ({ name, fields: fields as Readonly<Record<string, FieldSpec>> });
const req = (kind: Kind): FieldSpec => ({ kind });
const opt = (kind: Kind): FieldSpec => ({ kind, optional: true });

const DOMAINS = shape<MgmtHostSpec['domains']>('mgmt.domains', { opsBridge: req('string'), sso: req('string'), ldap: req('string') });
const DNS = shape<NonNullable<MgmtHostSpec['dns']>>('mgmt.dns', { zone: req('string'), ttl: opt('number') });
const KEEP = shape<RetentionSpec>('keep', { daily: opt('number'), weekly: opt('number'), monthly: opt('number') });
const BACKUP = shape<MgmtBackupSpec>('mgmt.backup', { repository: req('string'), keep: opt(KEEP), onCalendar: opt('string') });
const EMAIL_RECEIVER = shape<Extract<AlertReceiverSpec, { kind: 'email' }>>('receiver', {
  kind: req('string'),
  to: req('string'),
  from: req('string'),
  smarthost: req('string'),
  username: opt('string'),
});
const WEBHOOK_RECEIVER = shape<Extract<AlertReceiverSpec, { kind: 'webhook' }>>('receiver', { kind: req('string') });
const MONITORING = shape<MonitoringSpec>('mgmt.monitoring', {
  receiver: req({ oneOf: { email: EMAIL_RECEIVER, webhook: WEBHOOK_RECEIVER }, by: 'kind' }),
  scrapeFrom: opt('strings'),
});
const MGMT = shape<MgmtHostSpec>('mgmt', {
  name: req('string'),
  location: req('string'),
  serverType: req('string'),
  image: opt('string'),
  adminSshKeys: req('strings'),
  adminCidrs: req('strings'),
  allowSshFromAnywhere: opt('boolean'),
  domains: req(DOMAINS),
  acmeEmail: req('string'),
  dns: opt(DNS),
  protection: opt('boolean'),
  nixosAnywhereRef: opt('string'),
  backup: req(BACKUP),
  monitoring: req(MONITORING),
});

const GATEWAY = shape<GatewaySpec>('gateway', {
  advertiseHost: req('string'),
  port: opt('number'),
  exposure: opt('string'),
  extraHosts: opt('strings'),
  peerSourceRanges: opt('strings'),
  private: opt('boolean'),
  tls: opt('boolean'),
});
const SPREAD = shape<SpreadSpec>('spread', { topologyKey: opt('string'), whenUnsatisfiable: opt('string') });
const SITE = shape<SiteSpec>('site', {
  name: req('string'),
  kubernetes: req(shape<SiteSpec['kubernetes']>('kubernetes', { configPath: req('string'), context: req('string') })),
  namespace: opt('string'),
  nodes: opt('number'),
  gateway: req(GATEWAY),
  storage: req(shape<SiteSpec['storage']>('storage', { storageClass: opt('string'), size: req('string') })),
  memoryStore: opt('string'),
  resources: opt(shape<NonNullable<SiteSpec['resources']>>('resources', { cpu: opt('string'), memory: opt('string'), memoryLimit: opt('string') })),
  spread: opt(SPREAD),
  metrics: opt(shape<NonNullable<SiteSpec['metrics']>>('metrics', { port: opt('number') })),
  websocket: opt(shape<WebSocketSpec>('websocket', { tlsSecret: req('string'), port: opt('number'), sourceRanges: opt('strings') })),
});

const SERVICE = shape<ServiceIdentitySpec>('service', { name: req('string'), publish: req('strings'), subscribe: req('strings') });
const KV = shape<KvBucketSpec>('kv', {
  bucket: opt('string'),
  homeSite: req('string'),
  originStream: opt('string'),
  replicas: opt('number'),
  mirrorReplicas: opt('number'),
  history: opt('number'),
  maxValueSize: req('string'),
  maxConsumers: opt('number'),
  maxBytes: req('string'),
  snapshots: req(shape<KvSnapshotSpec>('snapshots', { repository: req('string'), keep: opt(KEEP), schedule: opt('string') })),
});
const ACCOUNT = shape<HarmonyAccountSpec>('account', {
  name: opt('string'),
  jetstream: req(
    shape<HarmonyAccountSpec['jetstream']>('jetstream', { maxMemory: req('string'), maxFile: req('string'), maxStreams: req('number'), maxConsumers: req('number') }),
  ),
  agentNamespace: opt('string'),
  services: opt({ list: SERVICE }),
  kv: req(KV),
});

const LOCAL_BACKEND = shape<Extract<BackendSpec, { type: 'local' }>>('backend', { type: req('string'), dir: opt('string') });
const S3_BACKEND = shape<Extract<BackendSpec, { type: 's3' }>>('backend', {
  type: req('string'),
  bucket: req('string'),
  endpoint: req('string'),
  region: req('string'),
  keyPrefix: opt('string'),
});

export const FLEET_SHAPE = shape<Fleet>('fleet', {
  mgmt: req(MGMT),
  sites: req({ list: SITE }),
  account: req(ACCOUNT),
  nats: opt(shape<NatsSpec>('nats', { version: opt('string') })),
  auth: opt({
    oneOf: {
      nkeys: shape<NkeysAuthSpec>('auth', { mode: req('string'), prepareJwt: opt('boolean') }),
      jwt: shape<JwtAuthSpec>('auth', {
        mode: req('string'),
        resolver: opt('string'),
        callout: opt(shape<CalloutSpec>('auth.callout', { permissions: req(shape<CalloutSpec['permissions']>('auth.callout.permissions', { publish: req('strings'), subscribe: req('strings') })) })),
      }),
    },
    by: 'mode',
  }),
  backend: opt({ oneOf: { local: LOCAL_BACKEND, s3: S3_BACKEND }, by: 'type' }),
});

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

function check(value: unknown, kind: Kind, path: string, out: string[]): void {
  if (kind === 'string' || kind === 'number' || kind === 'boolean') {
    if (typeof value !== kind || (kind === 'number' && !Number.isFinite(value))) out.push(`${path} is ${describe(value)}: it must be a ${kind}`);
    return;
  }
  if (kind === 'strings') {
    if (!Array.isArray(value)) out.push(`${path} is ${describe(value)}: it must be a list of strings`);
    else value.forEach((v, i) => typeof v !== 'string' && out.push(`${path}[${i}] is ${describe(v)}: it must be a string`));
    return;
  }
  if ('list' in kind) {
    if (!Array.isArray(value)) out.push(`${path} is ${describe(value)}: it must be a list`);
    else value.forEach((v, i) => check(v, kind.list, `${path}[${i}]`, out));
    return;
  }
  if ('oneOf' in kind) {
    const tag = isObject(value) ? value[kind.by] : undefined;
    const match = typeof tag === 'string' && Object.hasOwn(kind.oneOf, tag) ? kind.oneOf[tag] : undefined;
    if (!match) {
      out.push(`${path}.${kind.by} is ${JSON.stringify(tag)}: use one of ${Object.keys(kind.oneOf).map((t) => JSON.stringify(t)).join(', ')}`);
      return;
    }
    check(value, match, path, out);
    return;
  }
  if (!isObject(value)) {
    out.push(`${path} is ${describe(value)}: it must be an object (see config/types.ts)`);
    return;
  }
  for (const key of Object.keys(value)) {
    if (kind.fields[key]) continue;
    const close = Object.keys(kind.fields)
      .map((k) => ({ k, d: k.toLowerCase().startsWith(key.toLowerCase()) || key.toLowerCase().startsWith(k.toLowerCase()) ? 1 : distance(key, k) }))
      .filter(({ k, d }) => d <= Math.max(2, Math.floor(k.length / 4)))
      .sort((a, b) => a.d - b.d)
      .map(({ k }) => k);
    out.push(`${join(path, key)} is not a field of ${kind.name}: ${close.length ? `did you mean "${close[0]}"?` : `the fields are ${Object.keys(kind.fields).join(', ')}`} (config/types.ts)`);
  }
  for (const [key, spec] of Object.entries(kind.fields)) {
    if (value[key] === undefined) {
      if (!spec.optional) out.push(`${join(path, key)} is missing: it is required (config/types.ts)`);
      continue;
    }
    check(value[key], spec.kind, join(path, key), out);
  }
}

/** The backend shapes are told apart by `type`; each shape's tag is its name in BackendSpec. */

/** Unknown fields, missing ones and values of the wrong type, each with its path and the fix. */
export function shapeProblems(fleet: unknown): string[] {
  const out: string[] = [];
  if (!isObject(fleet)) return [`the fleet is ${describe(fleet)}: config/fleet.ts must export an object (see config/types.ts)`];
  check(fleet, FLEET_SHAPE, '', out);
  return out;
}
