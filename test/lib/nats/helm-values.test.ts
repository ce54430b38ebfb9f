import { SECRETS, siteHelmValues } from '../../../lib/nats/helm-values';
import { siteServerConfig } from '../../../lib/nats/site-config';
import { exampleFleet, withSite } from '../../fixtures/fleet';

const values = (fleet = exampleFleet, i = 0) => siteHelmValues(fleet, fleet.sites[i]) as any;

describe('siteHelmValues', () => {
  test('default properties: 3-server cluster, JetStream on a PVC, names prefixed by the site', () => {
    const v = values();
    expect(v.config.serverNamePrefix).toBe('site-1-');
    expect(v.config.cluster).toMatchObject({ enabled: true, replicas: 3, port: 6222 });
    expect(v.config.jetstream.fileStore.pvc).toEqual({ enabled: true, size: '20Gi' });
    expect(v.config.jetstream.memoryStore).toEqual({ enabled: false, maxSize: 0 });
    expect(v.podDisruptionBudget.enabled).toBe(true);
    expect(v.reloader.enabled).toBe(true);
    expect(v.natsBox.enabled).toBe(false);
  });

  test("the chart's blocks are overridden by the site's server config, key for key", () => {
    const v = values();
    const doc = siteServerConfig(exampleFleet, exampleFleet.sites[0]) as any;
    expect(v.config.cluster.merge).toEqual(doc.cluster);
    expect(v.config.gateway.merge).toEqual(doc.gateway);
    expect(v.config.jetstream.merge).toEqual(doc.jetstream);
    expect(v.config.merge).toEqual({ $include: doc.$include });
  });

  test('storage class, node count and resources come from the fleet', () => {
    const v = values(withSite(0, { nodes: 5, storage: { size: '50Gi', storageClass: 'longhorn' }, resources: { cpu: '1', memory: '2Gi', memoryLimit: '4Gi' } }));
    expect(v.config.cluster.replicas).toBe(5);
    expect(v.config.jetstream.fileStore.pvc).toEqual({ enabled: true, size: '50Gi', storageClassName: 'longhorn' });
    expect(v.container.merge.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '4Gi' } });
  });

  test('TLS for routes and gateways comes from the site TLS secret, CA included', () => {
    const v = values();
    expect(v.config.cluster.tls).toEqual({ enabled: true, secretName: SECRETS.tls });
    expect(v.config.gateway.tls).toEqual({ enabled: true, secretName: SECRETS.tls });
    expect(v.tlsCA).toMatchObject({ enabled: true, secretName: SECRETS.tls, key: 'ca.crt' });
  });

  test('passwords come from a Secret and are defined before the URLs that expand them', () => {
    const env = values().container.patch.filter((p: any) => p.path === '/env/-').map((p: any) => p.value);
    expect(env[0]).toEqual({ name: 'NATS_ROUTE_PASSWORD', valueFrom: { secretKeyRef: { name: SECRETS.auth, key: 'route-password' } } });
    expect(env[1]).toEqual({ name: 'NATS_GATEWAY_PASSWORD', valueFrom: { secretKeyRef: { name: SECRETS.auth, key: 'gateway-password' } } });
    expect(env.find((e: any) => e.name === 'NATS_ROUTE_1').value).toBe('nats://route:$(NATS_ROUTE_PASSWORD)@nats-1.nats-headless:6222');
    expect(env.find((e: any) => e.name === 'NATS_GATEWAY_SITE_2_0').value).toBe('nats://gateway:$(NATS_GATEWAY_PASSWORD)@nats-gw.site-2.example.org:7222');
    expect(env.find((e: any) => e.name === 'NATS_GATEWAY_SITE_3_1').value).toBe('nats://gateway:$(NATS_GATEWAY_PASSWORD)@203.0.113.32:7222');
  });

  test('pods restart on config changes, and the accounts Secret is mounted for reload', () => {
    const v = values();
    expect(v.podTemplate.configChecksumAnnotation).toBe(true);
    expect(v.podTemplate.patch).toEqual([{ op: 'add', path: '/spec/volumes/-', value: { name: 'accounts', secret: { secretName: SECRETS.accounts } } }]);
    expect(v.container.patch).toContainEqual({ op: 'add', path: '/volumeMounts/-', value: { name: 'accounts', mountPath: '/etc/nats-accounts', readOnly: true } });
  });

  test('the server image is explicit: nats:<fleet nats.version>-alpine, 2.14.2 by default', () => {
    expect(values().container.image).toEqual({ repository: 'nats', tag: '2.14.2-alpine' });
    expect(values({ ...exampleFleet, nats: { version: '2.15.1' } }).container.image).toEqual({ repository: 'nats', tag: '2.15.1-alpine' });
  });

  test('probes never wait for a meta leader: a lone site starts and stays up while its peers are away', () => {
    const merge = values().container.merge;
    expect(merge.startupProbe).toEqual({ httpGet: { path: '/healthz?js-enabled-only=true' } });
    expect(merge.livenessProbe).toEqual({ httpGet: { path: '/healthz?js-enabled-only=true' } });
    expect(merge.readinessProbe).toEqual({ httpGet: { path: '/healthz?js-server-only=true' } });
  });

  test('servers spread over nodes by hostname by default, DoNotSchedule, tainted nodes not counted', () => {
    expect(values().podTemplate.topologySpreadConstraints).toEqual({
      'kubernetes.io/hostname': { maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor' },
    });
  });

  test('the spread follows the fleet setting', () => {
    const v = values(withSite(0, { spread: { topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' } }));
    expect(v.podTemplate.topologySpreadConstraints).toEqual({
      'topology.kubernetes.io/zone': { maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway', nodeTaintsPolicy: 'Honor' },
    });
  });

  test("a new revision of the auth or TLS Secret changes the pod template (env from a Secret is read only at start)", () => {
    const revs = { 'nats-tls': 1, 'nats-auth': 1, 'harmony-agent-nkey': 1, 'harmony-provisioner-nkey': 1, 'harmony-kv-snapshot-nkey': 1, 'harmony-kv-snapshot-restic': 1 };
    const annotations = (r: typeof revs) => siteHelmValues(exampleFleet, exampleFleet.sites[0], r).podTemplate as any;
    expect(annotations(revs).merge).toEqual({ metadata: { annotations: { 'harmony-infra/secret-revisions': 'nats-auth=1,nats-tls=1' } } });
    expect(annotations({ ...revs, 'nats-auth': 2 }).merge.metadata.annotations['harmony-infra/secret-revisions']).toBe('nats-auth=2,nats-tls=1');
    expect(annotations({ ...revs, 'nats-tls': 7 }).merge.metadata.annotations['harmony-infra/secret-revisions']).toBe('nats-auth=1,nats-tls=7');
    // The agent's and provisioner's seeds are not read by the servers: their rotation must not roll the pods.
    expect(annotations({ ...revs, 'harmony-agent-nkey': 5, 'harmony-provisioner-nkey': 3 }).merge).toEqual(annotations(revs).merge);
  });

  test('only clients use the chart Service; the gateway is exposed separately', () => {
    expect(values().service.ports).toEqual({ gateway: { enabled: false }, cluster: { enabled: false } });
  });
  test('without websocket: the chart keeps its WebSocket listener off', () => {
    expect(Object.keys(values().config)).not.toContain('websocket');
  });

  test("with websocket: the chart's listener on 8080 with the site's own Secret, merged with the server config's block", () => {
    const v = values(withSite(0, { websocket: { tlsSecret: 'nats-websocket-tls', port: 443 } }));
    expect(v.config.websocket).toEqual({
      enabled: true,
      port: 8080,
      tls: { enabled: true, secretName: 'nats-websocket-tls' },
      merge: {
        port: 8080,
        tls: { cert_file: '/etc/nats-certs/websocket/tls.crt', key_file: '/etc/nats-certs/websocket/tls.key', ca_file: '/etc/nats-ca-cert/ca.crt' },
      },
    });
    // The site certificate stays on routes and gateways.
    expect(v.config.cluster.tls.secretName).toBe('nats-tls');
  });
});

describe('adding a site', () => {
  test('is one fleet entry: every existing site lists it, and its pods roll on the new config', () => {
    const fourth = { ...exampleFleet.sites[2], name: 'site-4', kubernetes: { configPath: '~/.kube/site-4.yaml', context: 'site-4' }, gateway: { advertiseHost: 'nats-gw.site-4.example.org' } };
    const grown = { ...exampleFleet, sites: [...exampleFleet.sites, fourth] };
    for (const i of [0, 1, 2]) {
      const before = values(exampleFleet, i);
      const after = values(grown, i);
      expect(after.config.gateway.merge.gateways.map((g: any) => g.name)).toContain('site-4');
      expect(after.config.gateway.merge).not.toEqual(before.config.gateway.merge);
      // The chart checksums the rendered ConfigMap into the pod template: a changed gateway block rolls the pods.
      expect(after.podTemplate.configChecksumAnnotation).toBe(true);
    }
  });
});
