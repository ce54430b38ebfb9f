import { Testing } from 'cdktf';
import type { Fleet } from '../../config/types';
import { NatsSiteStack } from '../../stacks/nats-site-stack';
import { exampleFleet, exampleIdentities, withSite } from '../fixtures/fleet';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function synth(fleet: Fleet, index = 0): Json {
  const app = Testing.app();
  return JSON.parse(Testing.synth(new NatsSiteStack(app, `nats-${fleet.sites[index].name}`, { fleet, site: fleet.sites[index], identities: exampleIdentities })));
}
/** Every kubernetes_service_v1 block named `name`. */
const services = (tf: Json, name: string): Json[] => (Object.values(tf.resource.kubernetes_service_v1 ?? {}) as Json[]).filter((b) => b.metadata?.name === name);

describe('WebSocketListener', () => {
  test('default properties: a site without websocket has no nats-websocket Service', () => {
    const tf = synth(exampleFleet);
    expect(services(tf, 'nats-websocket')).toEqual([]);
  });

  test('with websocket: a LoadBalancer on 443 open to every address, keeping client addresses, not waited for', () => {
    const tf = synth(withSite(0, { websocket: { tlsSecret: 'nats-websocket-tls' } }));
    const found = services(tf, 'nats-websocket');
    expect(found).toHaveLength(1);
    const service = found[0];
    expect(service.wait_for_load_balancer).toBe(false);
    expect(service.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'harmony-infra' });
    expect(service.spec).toEqual({
      type: 'LoadBalancer',
      selector: { 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/instance': 'nats', 'app.kubernetes.io/component': 'nats' },
      port: [{ name: 'websocket', port: 443, target_port: 'websocket', protocol: 'TCP' }],
      load_balancer_source_ranges: ['0.0.0.0/0'],
      external_traffic_policy: 'Local',
    });
  });

  test("it lives in the NATS release's namespace", () => {
    const tf = synth(withSite(0, { websocket: { tlsSecret: 'nats-websocket-tls' } }));
    const release = Object.values(tf.resource.helm_release)[0] as Json;
    expect(services(tf, 'nats-websocket')[0].metadata.namespace).toBe(release.namespace);
  });

  test('a custom port and source ranges go to the load balancer; the target stays the named container port', () => {
    const tf = synth(withSite(2, { websocket: { tlsSecret: 'nats-websocket-tls', port: 8443, sourceRanges: ['198.51.100.0/24', '203.0.113.7/32'] } }), 2);
    const [service] = services(tf, 'nats-websocket');
    expect(service.spec.port).toEqual([{ name: 'websocket', port: 8443, target_port: 'websocket', protocol: 'TCP' }]);
    expect(service.spec.load_balancer_source_ranges).toEqual(['198.51.100.0/24', '203.0.113.7/32']);
  });

  test('only the site that has websocket gets the Service', () => {
    const fleet = withSite(0, { websocket: { tlsSecret: 'nats-websocket-tls' } });
    expect(services(synth(fleet, 0), 'nats-websocket')).toHaveLength(1);
    expect(services(synth(fleet, 1), 'nats-websocket')).toEqual([]);
  });
});
