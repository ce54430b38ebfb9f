import type { MgmtHostSpec } from './mgmt-types';
import type { OffHostRepositorySpec } from './ops-types';

export type { MgmtHostSpec } from './mgmt-types';
export type { AlertReceiverSpec, MgmtBackupSpec, MonitoringSpec, OffHostRepositorySpec, RetentionSpec } from './ops-types';

/**
 * The whole platform in one typed description. `config/fleet.ts` holds the
 * operator's instance; everything else (Terraform stacks, NATS configs, the
 * local supercluster, tests) is computed from it.
 */
export interface Fleet {
  /** The management-plane host (Hetzner Cloud + NixOS). */
  readonly mgmt: MgmtHostSpec;
  /**
   * The k3s sites, each running one NATS cluster; gateways join them into one
   * supercluster. At least 3: JetStream's meta group needs a majority of
   * servers, so with 2 sites losing one loses quorum.
   */
  readonly sites: readonly SiteSpec[];
  /** The HARMONY account: JetStream limits, identities, KV bucket. */
  readonly account: HarmonyAccountSpec;
  /**
   * The NATS servers every site runs.
   * @default version "2.14.2", the pinned chart's own image
   */
  readonly nats?: NatsSpec;
  /**
   * How clients prove who they are. `nkeys`: every site's config lists each
   * identity's public nkey and its permissions. `jwt`: the sites trust an
   * operator; permissions travel in user JWTs signed by the account
   * (config/jwt.json, minted by `npm run keys -- sync`, docs/jwt-mode.md).
   * @default { mode: 'nkeys' }
   */
  readonly auth?: AuthSpec;
  /**
   * Where Terraform keeps each stack's state.
   * @default a local backend per stack under `state/<stack>.tfstate` (relative to the repo)
   */
  readonly backend?: BackendSpec;
}

/** Static nkeys (the default) or decentralized JWT auth with a MEMORY resolver. */
export type AuthSpec = NkeysAuthSpec | JwtAuthSpec;

export interface NkeysAuthSpec {
  readonly mode: 'nkeys';
  /**
   * Step 1 of moving a running fleet to JWT mode (docs/jwt-migration.md):
   * the servers keep their static nkey users, while the keys CLI mints JWT
   * mode's keys and config/jwt.json and the agent gets its user JWT
   * (ConfigMap `harmony-agent-jwt`) to present beside its nkey. A client
   * that presents both is admitted before and after the switch, so it
   * reconnects by itself when the servers restart.
   * @default false
   */
  readonly prepareJwt?: boolean;
}

export interface JwtAuthSpec {
  readonly mode: 'jwt';
  /**
   * Where the servers keep account JWTs. `memory`: the MEMORY resolver,
   * preloaded from the accounts include on every start and reload; a deploy
   * (the reload it triggers) applies revocations and signing-key changes.
   * `full`: nats-server's own resolver, which keeps them in a directory on a
   * PVC per server (1 GiB, the site's storage class), the newest of each by
   * issue time, and syncs them between servers. The include preloads them at
   * start; changes reach running servers only by a push after the deploy
   * (`npm run accounts -- push`, as the push user of the SYS account):
   * docs/jwt-mode.md. Changing it changes the servers' config: the pods roll.
   * @default 'memory'
   */
  readonly resolver?: 'memory' | 'full';
  /**
   * Auth callout (seed 001, nats-server 2.10+): clients that hold no nkey
   * (browsers) connect with the CALLOUT account's bearer JWT and a token of
   * the application; a responder service checks the token and admits them
   * into the application account with `permissions`, no more: it signs with
   * a signing key scoped to exactly these (docs/jwt-mode.md).
   * @default no callout
   */
  readonly callout?: CalloutSpec;
}

export interface CalloutSpec {
  /**
   * What every client the callout admits may do, as a service's lists: the
   * same rules apply (no `$` subjects, no `_INBOX*`, an application token
   * first). Its own reply inbox `_INBOX_callout.>` is added.
   */
  readonly permissions: { readonly publish: readonly string[]; readonly subscribe: readonly string[] };
}

/** The NATS server every site runs. */
export interface NatsSpec {
  /**
   * nats-server version: the image `nats:<version>-alpine`. One version for
   * the whole supercluster; at least 2.10.0 (the oldest line the e2e suite
   * proves).
   * @default "2.14.2" (chart 2.14.2's appVersion)
   */
  readonly version?: string;
}

/** How a site's servers are spread over its Kubernetes nodes. */
export interface SpreadSpec {
  /**
   * Node label that makes a failure domain.
   * @default "kubernetes.io/hostname" (one server per node where possible)
   */
  readonly topologyKey?: string;
  /**
   * `DoNotSchedule`: a server stays Pending rather than make the spread
   * uneven by more than one. `ScheduleAnyway`: spread is a preference.
   * Either way a 1-node dev cluster schedules every server (one domain has
   * no skew), and tainted (e.g. unreachable) nodes do not count.
   * @default "DoNotSchedule"
   */
  readonly whenUnsatisfiable?: 'DoNotSchedule' | 'ScheduleAnyway';
}

/** One k3s site: one NATS cluster of `nodes` servers. */
export interface SiteSpec {
  /**
   * Site name: a DNS label. It is the NATS cluster name and the gateway name
   * (nats-server refuses to start when they differ), and the stack is
   * `nats-<name>`.
   */
  readonly name: string;
  /** How Terraform reaches this site's Kubernetes API. */
  readonly kubernetes: {
    /** Path to the kubeconfig, relative to the repo root or `~/`-prefixed. */
    readonly configPath: string;
    /** Context inside that kubeconfig. */
    readonly context: string;
  };
  /**
   * Kubernetes namespace for the NATS release.
   * @default "nats"
   */
  readonly namespace?: string;
  /**
   * NATS servers (StatefulSet replicas) in this site. At least 3 so R=3
   * streams survive the loss of one server.
   * @default 3
   */
  readonly nodes?: number;
  /** How the other sites reach this site's gateway. */
  readonly gateway: GatewaySpec;
  /** JetStream file storage, one PVC per server. */
  readonly storage: {
    /**
     * StorageClass of the PVCs.
     * @default the cluster's default StorageClass (k3s: `local-path`)
     */
    readonly storageClass?: string;
    /** PVC size per server, a Kubernetes binary quantity such as `20Gi`. It is also each server's `max_file_store`. */
    readonly size: string;
  };
  /**
   * JetStream memory store per server, a binary quantity (`512Mi`), or `0` to
   * turn it off. The chart's default is 0; HARMONY keeps its bucket on file
   * storage either way.
   * @default "0" (memory store off)
   */
  readonly memoryStore?: string;
  /**
   * Container resources of each NATS server.
   * @default requests cpu 250m / memory 512Mi, limit memory 1Gi
   */
  readonly resources?: {
    readonly cpu?: string;
    readonly memory?: string;
    readonly memoryLimit?: string;
  };
  /**
   * How the servers spread over nodes: a topology spread constraint on the
   * StatefulSet's pods.
   * @default spread by hostname, DoNotSchedule (see SpreadSpec)
   */
  readonly spread?: SpreadSpec;
  /**
   * A TLS WebSocket listener for browsers (see WebSocketSpec).
   * @default none
   */
  readonly websocket?: WebSocketSpec;
  /**
   * Metrics for the mgmt host's Prometheus: the chart's exporter sidecar
   * runs on every server, and server `nats-<i>` is published on port
   * `port + i` (a LoadBalancer Service per server, or a NodePort when the
   * gateway uses NodePort), reachable only from `mgmt.monitoring.scrapeFrom`.
   */
  readonly metrics?: {
    /**
     * The first server's port; the site uses `nodes` consecutive ports.
     * @default 7777 (LoadBalancer); required with a NodePort gateway (30000-32767)
     */
    readonly port?: number;
  };
}

/**
 * A WebSocket listener for clients that cannot speak plain NATS (browsers),
 * on this site's servers: TLS always, the same accounts and permissions as
 * the NATS port (with auth callout, browsers present the bearer JWT and
 * their token). Exposed by a LoadBalancer Service.
 */
export interface WebSocketSpec {
  /**
   * A `kubernetes.io/tls` Secret in the site's NATS namespace holding the
   * certificate browsers will trust (e.g. from cert-manager for the public
   * host name): the fleet CA signs server certificates no browser trusts.
   */
  readonly tlsSecret: string;
  /**
   * Port of the LoadBalancer Service.
   * @default 443
   */
  readonly port?: number;
  /**
   * Client addresses allowed to reach it (CIDRs).
   * @default ["0.0.0.0/0"]: browsers come from anywhere; authentication is what admits them
   */
  readonly sourceRanges?: readonly string[];
}

/** How a site's gateway is exposed and advertised to the other sites. */
export interface GatewaySpec {
  /**
   * Host name or IP the other sites dial. It is the `advertise` address and a
   * SAN of the site's certificate.
   */
  readonly advertiseHost: string;
  /**
   * Port the other sites dial: the LoadBalancer port, or the NodePort.
   * @default 7222
   */
  readonly port?: number;
  /**
   * `LoadBalancer` (k3s ServiceLB: the port on every node's address) or
   * `NodePort` (port must be in 30000-32767).
   * @default "LoadBalancer"
   */
  readonly exposure?: 'LoadBalancer' | 'NodePort';
  /**
   * Further addresses of the same site's gateway (for example each k3s node's
   * address). Remote sites get all of them, so a cold start does not hinge
   * on one load-balanced address (split-brain risk, see DESIGN.md).
   * @default [] (only advertiseHost)
   */
  readonly extraHosts?: readonly string[];
  /**
   * Source addresses (CIDRs) allowed to reach this site's gateway: the
   * gateway Service's `loadBalancerSourceRanges`. nats-server accepts one
   * gateway user and, with TLS, checks only that a certificate chains to
   * the fleet CA, so a site's certificate plus the gateway password could
   * pose as another site: keep the port to the other sites' addresses.
   * (With `exposure: NodePort` Kubernetes ignores this: filter on the
   * nodes' firewall instead.)
   * @default the other sites' gateway IP addresses (advertiseHost and extraHosts that are IPs), as /32 or /128
   */
  readonly peerSourceRanges?: readonly string[];
  /**
   * The address is private (RFC 1918/ULA, a VPN). Only then may TLS be off.
   * @default false (public: mutual TLS is mandatory)
   */
  readonly private?: boolean;
  /**
   * Mutual TLS on gateway links, certificates chained to the fleet CA. All
   * sites must agree (a TLS and a plain gateway cannot talk), and it may be
   * off only when `private` is true.
   * @default true
   */
  readonly tls?: boolean;
}

/** The HARMONY account, defined once and rendered identically on every site. */
export interface HarmonyAccountSpec {
  /**
   * Account name.
   * @default "HARMONY"
   */
  readonly name?: string;
  /** JetStream limits of the account (the whole supercluster). */
  readonly jetstream: {
    /** Memory storage cap, binary quantity; `0` for none. */
    readonly maxMemory: string;
    /** File storage cap, binary quantity. Reservations count replicas x max bytes, mirrors included. */
    readonly maxFile: string;
    /** Maximum number of streams (the bucket and its mirrors are streams). */
    readonly maxStreams: number;
    /** Maximum number of consumers. */
    readonly maxConsumers: number;
  };
  /**
   * Kubernetes namespace of the Harmony agent on every site; it receives a
   * Secret with the agent's nkey seed.
   * @default "harmony"
   */
  readonly agentNamespace?: string;
  /** Further services with their own nkey identity and allow lists. */
  readonly services?: readonly ServiceIdentitySpec[];
  /** The HARMONY key-value bucket. */
  readonly kv: KvBucketSpec;
}

/** A service identity: one nkey user with explicit allow lists. */
export interface ServiceIdentitySpec {
  /** Identity name (DNS label); it names the key in `config/identities.json`. */
  readonly name: string;
  /** Subjects the service may publish to. */
  readonly publish: readonly string[];
  /** Subjects the service may subscribe to. */
  readonly subscribe: readonly string[];
}

/** The KV bucket: replicated in its home site, mirrored to every other. */
export interface KvBucketSpec {
  /**
   * Bucket name (`[A-Za-z0-9_-]`).
   * @default "HARMONY"
   */
  readonly bucket?: string;
  /** Site whose cluster holds the origin stream (its R replicas). */
  readonly homeSite: string;
  /**
   * Name of the origin stream. A JetStream stream cannot be renamed: after
   * an in-place promotion (nats-server 2.12+, `npm run kv -- promote`) the
   * origin is the promoted mirror, `KV_<bucket>_<homeSite>`, and keeps every
   * revision; `npm run kv -- promote` prints the value to set. Agents learn
   * it from their read settings (ConfigMap `harmony-agent-kv`).
   * @default "KV_<bucket>" (the name a KV client uses by default)
   */
  readonly originStream?: string;
  /**
   * Replicas of the origin in the home site (at most its node count).
   * @default 3
   */
  readonly replicas?: number;
  /**
   * Replicas of each mirror in the other sites.
   * @default 1
   */
  readonly mirrorReplicas?: number;
  /**
   * Values kept per key.
   * @default 5
   */
  readonly history?: number;
  /**
   * Largest value, binary quantity (`512Ki`). A value travels as one NATS
   * message, so it must fit the servers' `max_payload` (1Mi) with its headers.
   */
  readonly maxValueSize: string;
  /**
   * Consumers each of the bucket's streams accepts (watchers, key listings).
   * Caps what one identity can use up: the account's `maxConsumers` must
   * exceed this times the number of stream names the bucket has, so the
   * rest of the account keeps room.
   * @default 32
   */
  readonly maxConsumers?: number;
  /** Bucket size cap, binary quantity (`1Gi`). */
  readonly maxBytes: string;
  /**
   * Point-in-time protection against logical damage (a bad write replicates
   * to every mirror in milliseconds): a CronJob in the home site takes a
   * JetStream snapshot of the origin stream and ships it to this restic
   * repository, outside every site. Use a different repository (and
   * password) from mgmt.backup: a site's Kubernetes Secret holds this one.
   */
  readonly snapshots: KvSnapshotSpec;
}

/** Scheduled snapshots of the bucket's origin stream. */
export interface KvSnapshotSpec extends OffHostRepositorySpec {
  /**
   * When the CronJob runs (Kubernetes cron syntax, the cluster's time zone).
   * @default "17 * * * *" (hourly)
   */
  readonly schedule?: string;
}

/** Terraform state location. */
export type BackendSpec =
  | {
      readonly type: 'local';
      /**
       * Directory for state files, relative to the repo root.
       * @default "state"
       */
      readonly dir?: string;
    }
  | {
      /**
       * An S3-compatible bucket (e.g. Hetzner Object Storage) with a lock
       * file next to each state (`use_lockfile`). Credentials come from
       * `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, never from the fleet.
       */
      readonly type: 's3';
      readonly bucket: string;
      /** S3 endpoint, e.g. `https://fsn1.your-objectstorage.com`. */
      readonly endpoint: string;
      /** Region string the endpoint expects, e.g. `fsn1`. */
      readonly region: string;
      /**
       * Key prefix; each stack writes `<prefix>/<stack>.tfstate`.
       * @default "harmony-infra"
       */
      readonly keyPrefix?: string;
    };
