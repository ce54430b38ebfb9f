import { siteNodes } from '../../../lib/defaults';
import { serverName } from '../../../lib/nats/names';
import { ACCOUNTS_INCLUDE, siteServerConfig } from '../../../lib/nats/site-config';
import { exampleFleet, withSite } from '../../fixtures/fleet';

const doc = (fleet = exampleFleet, i = 0) => siteServerConfig(fleet, fleet.sites[i]) as any;

describe('siteServerConfig', () => {
  test('default properties: cluster, gateway, JetStream on file storage, accounts include', () => {
    const c = doc();
    expect(c.server_name).toBe('<< $SERVER_NAME >>');
    expect(c.cluster.name).toBe('site-1');
    expect(c.gateway.name).toBe('site-1');
    expect(c.jetstream).toEqual({ store_dir: '/data', max_file_store: 20 * 1024 ** 3, max_memory_store: 0 });
    expect(c.$include).toBe(ACCOUNTS_INCLUDE);
  });

  test('routes: one URL per server, each an env reference, with route auth and mutual TLS', () => {
    const c = doc(withSite(0, { nodes: 5 }));
    expect(c.cluster.routes).toEqual([0, 1, 2, 3, 4].map((i) => `<< $NATS_ROUTE_${i} >>`));
    expect(c.cluster.authorization).toEqual({ user: 'route', password: '<< $NATS_ROUTE_PASSWORD >>', timeout: 5 });
    expect(c.cluster.tls).toMatchObject({ verify: true, ca_file: '/etc/nats-ca-cert/ca.crt', cert_file: '/etc/nats-certs/cluster/tls.crt' });
    expect(c.cluster.no_advertise).toBe(true);
  });

  test('gateway: advertise address, auth, mutual TLS, unknown clusters rejected', () => {
    const c = doc();
    expect(c.gateway.advertise).toBe('nats-gw.site-1.example.org:7222');
    expect(c.gateway.reject_unknown_cluster).toBe(true);
    expect(c.gateway.tls).toMatchObject({ verify: true, cert_file: '/etc/nats-certs/gateway/tls.crt' });
    expect(c.gateway.gateways.map((g: { name: string }) => g.name)).toEqual(['site-2', 'site-3']);
  });

  test('gateway TLS is absent only when the fleet turns it off', () => {
    const plain = { ...exampleFleet, sites: exampleFleet.sites.map((s) => ({ ...s, gateway: { ...s.gateway, tls: false, private: true } })) };
    expect(doc(plain).gateway.tls).toBeUndefined();
  });

  test('the memory store is sized deliberately', () => {
    expect(doc(withSite(0, { memoryStore: '512Mi' })).jetstream.max_memory_store).toBe(512 * 1024 ** 2);
  });

  test('server names are unique across the supercluster', () => {
    const names = exampleFleet.sites.flatMap((s) => Array.from({ length: siteNodes(s) }, (_, i) => serverName(s, i)));
    expect(new Set(names).size).toBe(9);
    expect(names[0]).toBe('site-1-nats-0');
  });

  test('contains no secret: passwords are environment references', () => {
    expect(JSON.stringify(doc())).not.toMatch(/password":\s*"(?!<< \$)/);
  });
  test('without websocket: no websocket block', () => {
    expect(exampleFleet.sites[0].websocket).toBeUndefined();
    expect(Object.keys(doc())).not.toContain('websocket');
  });

  test("with websocket: TLS on the chart's port with the site's public certificate, asking browsers for none", () => {
    const c = doc(withSite(0, { websocket: { tlsSecret: 'nats-websocket-tls', port: 8443, sourceRanges: ['198.51.100.0/24'] } }));
    // Port and source ranges belong to the load balancer, not to the server.
    expect(c.websocket).toEqual({
      port: 8080,
      tls: { cert_file: '/etc/nats-certs/websocket/tls.crt', key_file: '/etc/nats-certs/websocket/tls.key', ca_file: '/etc/nats-ca-cert/ca.crt' },
    });
    expect(doc(withSite(1, { websocket: { tlsSecret: 'nats-websocket-tls' } }), 0).websocket).toBeUndefined();
  });
});
