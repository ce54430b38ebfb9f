import { Testing } from 'cdktf';
import { NATS_POD_SELECTOR } from '../../../constructs/gateway-mesh';
import { WebSocketListener } from '../../../constructs/websocket-listener';
import { NATS_CHART, siteHelmValues } from '../../../lib/nats/helm-values';
import { HEADLESS_SERVICE, POD_PATHS, PORTS } from '../../../lib/nats/names';
import { POD_TLS, siteServerConfig } from '../../../lib/nats/site-config';
import { exampleFleet, withSite } from '../../fixtures/fleet';

/**
 * Facts about the official chart (nats-io/k8s helm/charts/nats, version
 * 2.14.2: values.yaml, files/config/config.yaml, files/config/tls.yaml,
 * templates/_helpers.tpl), written down by hand because `helm template`
 * cannot run here. If the pinned version moves, re-read the chart and update
 * these together with NATS_CHART.
 */
const CHART = {
  version: '2.14.2',
  topLevelValues: ['global', 'nameOverride', 'fullnameOverride', 'namespaceOverride', 'tlsCA', 'config', 'container', 'reloader', 'promExporter', 'service', 'statefulSet', 'podTemplate', 'headlessService', 'configMap', 'podDisruptionBudget', 'serviceAccount', 'natsBox', 'extraResources'],
  configKeys: ['cluster', 'jetstream', 'nats', 'leafnodes', 'websocket', 'mqtt', 'gateway', 'monitor', 'profiling', 'resolver', 'serverNamePrefix', 'merge', 'patch'],
  /** What files/config/config.yaml writes at the top level with default ports. */
  renderedTopLevel: { server_name: '<< $SERVER_NAME >>', lame_duck_grace_period: '10s', lame_duck_duration: '30s', port: 4222, http_port: 8222 },
  /** Where the chart mounts `<protocol>.tls.secretName` and `tlsCA.secretName`. */
  tlsDirs: { cluster: '/etc/nats-certs/cluster', gateway: '/etc/nats-certs/gateway', websocket: '/etc/nats-certs/websocket', ca: '/etc/nats-ca-cert' },
  /** Release `nats`: fullname `nats`, headless service `<fullname>-headless`, selector labels. */
  headlessService: 'nats-headless',
  selector: { 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/instance': 'nats', 'app.kubernetes.io/component': 'nats' },
  /** The chart's default container ports. */
  ports: { client: 4222, cluster: 6222, gateway: 7222, monitor: 8222, websocket: 8080 },
  /**
   * With `config.websocket.enabled` and `tls.enabled` + `tls.secretName`
   * (tlsCA on, as ours): the block files/config/websocket.yaml writes into
   * nats.conf, the container port name (files/stateful-set/nats-container.yaml)
   * and where the Secret is mounted. Rendered with minihelm from the chart's
   * own templates, once without our `merge` and once with it: the same block.
   */
  websocket: {
    rendered: {
      port: 8080,
      tls: { ca_file: '/etc/nats-ca-cert/ca.crt', cert_file: '/etc/nats-certs/websocket/tls.crt', key_file: '/etc/nats-certs/websocket/tls.key' },
    },
    containerPortName: 'websocket',
    mountPath: '/etc/nats-certs/websocket',
  },
  /**
   * files/stateful-set/nats-container.yaml: the probes, merged key for key
   * by `container.merge` (mergeOverwrite). The chart's own startupProbe is
   * plain /healthz, 90 x 10 s.
   */
  containerMergeKeys: ['resources', 'startupProbe', 'livenessProbe', 'readinessProbe'],
  chartStartupProbe: { path: '/healthz', failureThreshold: 90, periodSeconds: 10 },
  /** container.image: repository + tag (digest and fullImageName override them; we set neither). */
  imageKeys: ['repository', 'tag', 'pullPolicy', 'registry', 'digest', 'fullImageName'],
  /**
   * files/stateful-set/pod-template.yaml: `podTemplate.topologySpreadConstraints`
   * is a map keyed by topologyKey; each value is merged with the topologyKey
   * and the selector labels into one constraint.
   */
  podTemplateKeys: ['configChecksumAnnotation', 'topologySpreadConstraints', 'merge', 'patch'],
  /**
   * config.resolver (files/config/resolver.yaml writes `dir`, then merge;
   * files/stateful-set/nats-container.yaml mounts the PVC at `dir`;
   * stateful-set.yaml adds the claim template `<fullname>-resolver`).
   * Rendered with minihelm with our values for a full-resolver fleet.
   */
  resolver: {
    keys: ['enabled', 'dir', 'pvc', 'merge', 'patch'],
    pvcKeys: ['enabled', 'size', 'storageClassName', 'merge', 'patch', 'name'],
    defaultDir: '/data/resolver',
    rendered: { allow_delete: false, dir: '/data/resolver', interval: '2m', timeout: '1.9s', type: 'full' },
  },
};

describe('our values against the chart they feed', () => {
  // Computed per test, not at describe time: a mutation run attributes only what a test runs.
  let values: Record<string, Record<string, unknown>>;
  let doc: Record<string, unknown>;
  beforeEach(() => {
    values = siteHelmValues(exampleFleet, exampleFleet.sites[0]) as Record<string, Record<string, unknown>>;
    doc = siteServerConfig(exampleFleet, exampleFleet.sites[0]) as Record<string, unknown>;
  });

  test('pins the chart version these facts were read from', () => expect(NATS_CHART.version).toBe(CHART.version));

  test('sets only keys the chart has', () => {
    expect(CHART.topLevelValues).toEqual(expect.arrayContaining(Object.keys(values)));
    expect(CHART.configKeys).toEqual(expect.arrayContaining(Object.keys(values.config)));
  });

  test("the server config's top-level settings are the chart's own, so local and deployed servers agree", () => {
    const outsideMergedBlocks = Object.fromEntries(Object.entries(doc).filter(([k]) => !['cluster', 'gateway', 'jetstream', '$include'].includes(k)));
    expect(outsideMergedBlocks).toEqual(CHART.renderedTopLevel);
  });

  test('TLS files are where the chart mounts the secrets', () => {
    expect(POD_TLS.cluster.cert_file.startsWith(`${CHART.tlsDirs.cluster}/`)).toBe(true);
    expect(POD_TLS.gateway.cert_file.startsWith(`${CHART.tlsDirs.gateway}/`)).toBe(true);
    expect(POD_TLS.ca_file.startsWith(`${CHART.tlsDirs.ca}/`)).toBe(true);
    expect(POD_PATHS.caDir).toBe(CHART.tlsDirs.ca);
  });

  test('container and pod template settings use keys the chart reads', () => {
    const container = values.container as Record<string, Record<string, unknown>>;
    expect(CHART.containerMergeKeys).toEqual(expect.arrayContaining(Object.keys(container.merge)));
    expect(CHART.imageKeys).toEqual(expect.arrayContaining(Object.keys(container.image)));
    expect(CHART.podTemplateKeys).toEqual(expect.arrayContaining(Object.keys(values.podTemplate)));
    // Only the path is overridden; the chart's thresholds stay.
    expect(Object.keys((container.merge.startupProbe as { httpGet: object }).httpGet)).toEqual(['path']);
    expect((container.merge.startupProbe as { httpGet: { path: string } }).httpGet.path).not.toBe(CHART.chartStartupProbe.path);
  });

  test('names, selector and ports match the release', () => {
    expect(HEADLESS_SERVICE).toBe(CHART.headlessService);
    expect(NATS_POD_SELECTOR).toEqual(CHART.selector);
    expect(PORTS).toEqual(CHART.ports);
  });
});

describe('the full resolver against the chart', () => {
  const fleet = { ...exampleFleet, auth: { mode: 'jwt' as const, resolver: 'full' as const } };

  test("our resolver block is the one the chart renders, at the chart's default directory, on its own PVC", () => {
    const values = siteHelmValues(fleet, fleet.sites[0]) as { config: { resolver: Record<string, unknown> & { pvc: Record<string, unknown> } } };
    expect(CHART.resolver.keys).toEqual(expect.arrayContaining(Object.keys(values.config.resolver)));
    expect(CHART.resolver.pvcKeys).toEqual(expect.arrayContaining(Object.keys(values.config.resolver.pvc)));
    expect(values.config.resolver).toMatchObject({ enabled: true, dir: CHART.resolver.defaultDir, pvc: { enabled: true, size: '1Gi' } });
    expect((siteServerConfig(fleet, fleet.sites[0]) as Record<string, unknown>).resolver).toEqual(CHART.resolver.rendered);
    expect(POD_PATHS.resolverDir).toBe(CHART.resolver.defaultDir);
  });

  test('the memory resolver and nkeys mode set no resolver values and no resolver block', () => {
    for (const f of [exampleFleet, { ...exampleFleet, auth: { mode: 'jwt' as const } }]) {
      expect((siteHelmValues(f, f.sites[0]) as { config: Record<string, unknown> }).config).not.toHaveProperty('resolver');
      expect(siteServerConfig(f, f.sites[0])).not.toHaveProperty('resolver');
    }
  });
});

describe('the WebSocket listener against the chart', () => {
  const site = () => withSite(0, { websocket: { tlsSecret: 'nats-websocket-tls' } });

  test("our server config's websocket block is the one the chart renders, so merge changes nothing", () => {
    const fleet = site();
    expect((siteServerConfig(fleet, fleet.sites[0]) as Record<string, unknown>).websocket).toEqual(CHART.websocket.rendered);
  });

  test('the chart mounts the Secret where our block reads it, and listens on its default port', () => {
    expect(POD_PATHS.websocketTlsDir).toBe(CHART.websocket.mountPath);
    expect(POD_PATHS.websocketTlsDir).toBe(CHART.tlsDirs.websocket);
    expect(PORTS.websocket).toBe(CHART.ports.websocket);
    const fleet = site();
    const values = siteHelmValues(fleet, fleet.sites[0]) as { config: { websocket: { port: number } } };
    expect(values.config.websocket.port).toBe(CHART.ports.websocket);
  });

  test("the load balancer's targetPort is the chart's container port name", () => {
    const fleet = site();
    const ws = fleet.sites[0].websocket!;
    const tf = JSON.parse(Testing.synthScope((scope) => new WebSocketListener(scope, 'websocket', { site: { ...fleet.sites[0], websocket: ws }, namespace: 'nats' })));
    const [service] = Object.values(tf.resource.kubernetes_service_v1) as { spec: { port: { target_port: string }[] } }[];
    expect(service.spec.port[0].target_port).toBe(CHART.websocket.containerPortName);
  });
});
