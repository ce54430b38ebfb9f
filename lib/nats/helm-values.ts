import type { Fleet, SiteSpec } from '../../config/types';
import { natsVersion, siteMemoryStore, siteNodes, siteResources, siteSpread } from '../defaults';
import { bytes } from '../quantity';
import type { SiteRevisions } from '../secrets/revisions';
import { firstRevisions } from '../secrets/revisions';
import type { ConfDoc } from './conf-format';
import { gatewayRemotes, gatewayTls } from './gateways';
import { ENV, HEADLESS_SERVICE, POD_PATHS, PORTS, ROUTE_USER, podName, routeUrlEnv, serverNamePrefix } from './names';
import { credentialUrl, gatewayUrlVars, siteServerConfig } from './site-config';

/** Kubernetes Secrets the release reads; the site stack creates them. */
export const SECRETS = {
  /** tls.crt / tls.key / ca.crt: the site certificate and the fleet CA. */
  tls: 'nats-tls',
  /** route-password / gateway-password. */
  auth: 'nats-auth',
  /** accounts.conf: public keys and permissions (ADR 019 mounts it from a Secret). */
  accounts: 'nats-accounts',
} as const;

/** The full resolver's volume per server: account JWTs are a few KiB each (the chart's default size). */
export const RESOLVER_PVC_SIZE = '1Gi';

/** Official chart, pinned: nats-io/k8s helm/charts/nats. */
export const NATS_CHART = { repository: 'https://nats-io.github.io/k8s/helm/charts/', chart: 'nats', version: '2.14.2' } as const;

/**
 * Health paths of the chart's three probes. The chart's startupProbe asks
 * plain `/healthz`, which answers 503 ("JetStream has not established
 * contact with a meta leader") until the supercluster has a meta leader,
 * and that needs servers of more than one site. A site waiting alone for
 * its peers (a cold start, a DR rebuild while the others are away) would
 * fail 90 x 10 s of startup probes and be restarted after 15 minutes, then
 * again, forever. `js-enabled-only` answers 200 once this server's own
 * JetStream is up (its store recovered from disk), with no meta leader
 * needed; `js-server-only` once it accepts connections. Both were measured
 * 200 on a lone site (test/e2e/site.test.ts), plain /healthz 503. Set
 * explicitly, so a chart upgrade cannot change them silently.
 */
export const PROBE_PATHS = {
  startup: '/healthz?js-enabled-only=true',
  liveness: '/healthz?js-enabled-only=true',
  readiness: '/healthz?js-server-only=true',
} as const;

export const SECRET_REVISIONS_ANNOTATION = 'harmony-infra/secret-revisions';

/** The revisions the pods depend on, e.g. `nats-auth=2,nats-tls=1`. */
export const secretRevisionsAnnotation = (revisions: SiteRevisions): string => `${SECRETS.auth}=${revisions[SECRETS.auth]},${SECRETS.tls}=${revisions[SECRETS.tls]}`;

const secretEnv = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: SECRETS.auth, key } } });

/**
 * Helm values for one site, derived from `siteServerConfig`: the chart
 * renders its own server blocks, then merges ours over them, so every key
 * the local nats.conf has is the key the pod gets.
 */
export function siteHelmValues(fleet: Fleet, site: SiteSpec, revisions: SiteRevisions = firstRevisions([site.name])[site.name]): Record<string, unknown> {
  const doc = siteServerConfig(fleet, site) as { readonly [key: string]: ConfDoc };
  const memory = bytes(siteMemoryStore(site));
  const resources = siteResources(site);
  const tlsSecret = { enabled: true, secretName: SECRETS.tls };
  const spread = siteSpread(site);

  // Order matters: Kubernetes expands $(VAR) only from variables defined
  // before it, so the passwords come first. A patch keeps this order; the
  // chart's `env` map would be sorted by name.
  const env = [
    secretEnv(ENV.routePassword, 'route-password'),
    secretEnv(ENV.gatewayPassword, 'gateway-password'),
    ...Array.from({ length: siteNodes(site) }, (_, i) => ({
      name: routeUrlEnv(i),
      value: credentialUrl(ROUTE_USER, `$(${ENV.routePassword})`, `${podName(i)}.${HEADLESS_SERVICE}`, PORTS.cluster),
    })),
    ...gatewayUrlVars(gatewayRemotes(fleet, site), `$(${ENV.gatewayPassword})`).map(([name, value]) => ({ name, value })),
  ];

  return {
    config: {
      serverNamePrefix: serverNamePrefix(site),
      cluster: { enabled: true, replicas: siteNodes(site), port: PORTS.cluster, tls: tlsSecret, merge: doc.cluster },
      gateway: { enabled: true, port: PORTS.gateway, tls: gatewayTls(site) ? tlsSecret : { enabled: false }, merge: doc.gateway },
      jetstream: {
        enabled: true,
        fileStore: {
          enabled: true,
          dir: POD_PATHS.storeDir,
          pvc: { enabled: true, size: site.storage.size, ...(site.storage.storageClass ? { storageClassName: site.storage.storageClass } : {}) },
        },
        memoryStore: { enabled: memory > 0, maxSize: memory },
        merge: doc.jetstream,
      },
      monitor: { enabled: true, port: PORTS.monitor },
      // The full resolver (auth.resolver 'full'): the chart mounts a PVC per server at `dir` and writes `dir`; merge adds the rest.
      ...(doc.resolver
        ? {
            resolver: {
              enabled: true,
              dir: POD_PATHS.resolverDir,
              pvc: { enabled: true, size: RESOLVER_PVC_SIZE, ...(site.storage.storageClass ? { storageClassName: site.storage.storageClass } : {}) },
              merge: doc.resolver,
            },
          }
        : {}),
      // The chart mounts tls.secretName at POD_PATHS.websocketTlsDir (its default dir) and writes port and tls; merge says the same.
      ...(site.websocket ? { websocket: { enabled: true, port: PORTS.websocket, tls: { enabled: true, secretName: site.websocket.tlsSecret }, merge: doc.websocket } } : {}),
      merge: { $include: doc['$include'] },
    },
    tlsCA: { enabled: true, secretName: SECRETS.tls, key: 'ca.crt', dir: POD_PATHS.caDir },
    container: {
      // Explicit, from one fleet setting: the chart's default would follow the chart version.
      image: { repository: 'nats', tag: `${natsVersion(fleet)}-alpine` },
      merge: {
        resources: { requests: { cpu: resources.cpu, memory: resources.memory }, limits: { memory: resources.memoryLimit } },
        // The chart merges these over its own probes key for key: only the paths change.
        startupProbe: { httpGet: { path: PROBE_PATHS.startup } },
        livenessProbe: { httpGet: { path: PROBE_PATHS.liveness } },
        readinessProbe: { httpGet: { path: PROBE_PATHS.readiness } },
      },
      patch: [
        ...env.map((value) => ({ op: 'add', path: '/env/-', value })),
        { op: 'add', path: '/volumeMounts/-', value: { name: 'accounts', mountPath: POD_PATHS.accountsDir, readOnly: true } },
      ],
    },
    podTemplate: {
      // Gateway and route changes are not hot-reloadable: roll the pods
      // whenever the rendered config changes. Accounts live in their own
      // Secret, so key rotation reloads without a restart.
      configChecksumAnnotation: true,
      // The servers read the passwords (env from a Secret) and certificates
      // only at start, and nothing reloads env: a new revision of either
      // Secret changes the pod template, which rolls the pods.
      merge: { metadata: { annotations: { [SECRET_REVISIONS_ANNOTATION]: secretRevisionsAnnotation(revisions) } } },
      // One server per node where the cluster has the nodes: losing a node
      // then loses one replica, not the quorum. The chart adds its selector
      // labels to the constraint. Tainted nodes (unreachable, cordoned) do
      // not count, so a StatefulSet pod is not held Pending by a dead node;
      // with one node there is one domain and no skew (dev clusters).
      topologySpreadConstraints: {
        [spread.topologyKey]: { maxSkew: 1, whenUnsatisfiable: spread.whenUnsatisfiable, nodeTaintsPolicy: 'Honor' },
      },
      patch: [{ op: 'add', path: '/spec/volumes/-', value: { name: 'accounts', secret: { secretName: SECRETS.accounts } } }],
    },
    reloader: { enabled: true },
    podDisruptionBudget: { enabled: true },
    promExporter: { enabled: true },
    // Clients only on the in-cluster Service; the gateway has its own Service.
    service: { ports: { gateway: { enabled: false }, cluster: { enabled: false } } },
    natsBox: { enabled: false },
  };
}
