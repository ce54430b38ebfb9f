import { renderLocalConf } from '../../../lib/nats/local-conf';
import type { LocalPlacement } from '../../../lib/nats/local-conf';
import { siteServerConfig } from '../../../lib/nats/site-config';
import { exampleFleet, withSite } from '../../fixtures/fleet';

const placement: LocalPlacement = {
  host: '127.0.0.1',
  ports: { client: 14222, cluster: 16222, gateway: 17222, monitor: 18222, websocket: 18080 },
  advertise: '127.0.0.1:17222',
  storeDir: '/tmp/harmony/site-1/data',
  tlsDir: '/tmp/harmony/site-1/tls',
};

describe('renderLocalConf: websocket', () => {
  test('default properties: a site without websocket gets no websocket block', () => {
    const conf = renderLocalConf(siteServerConfig(exampleFleet, exampleFleet.sites[0]), placement);
    expect(conf).not.toContain('websocket');
    expect(conf).not.toContain('18080');
  });

  test("the websocket block listens on loopback at the placement's port with the local TLS files", () => {
    const fleet = withSite(0, { websocket: { tlsSecret: 'nats-websocket-tls' } });
    const conf = renderLocalConf(siteServerConfig(fleet, fleet.sites[0]), placement);
    expect(conf).toContain(
      [
        '  "websocket": {',
        '    "host": "127.0.0.1",',
        '    "port": 18080,',
        '    "tls": {',
        '      "ca_file": "/tmp/harmony/site-1/tls/ca.crt",',
        '      "cert_file": "/tmp/harmony/site-1/tls/tls.crt",',
        '      "key_file": "/tmp/harmony/site-1/tls/tls.key"',
        '    }',
        '  }',
        '}',
      ].join('\n'),
    );
    expect(conf).not.toContain('/etc/nats-certs/websocket');
    expect(conf).not.toContain('"port": 8080');
  });

  test('the document it was given is left as it was', () => {
    const fleet = withSite(0, { websocket: { tlsSecret: 'nats-websocket-tls' } });
    const doc = siteServerConfig(fleet, fleet.sites[0]);
    renderLocalConf(doc, placement);
    expect(doc.websocket).toEqual({
      port: 8080,
      tls: { cert_file: '/etc/nats-certs/websocket/tls.crt', key_file: '/etc/nats-certs/websocket/tls.key', ca_file: '/etc/nats-ca-cert/ca.crt' },
    });
  });
});

describe('renderLocalConf: the full resolver', () => {
  test("its directory moves into the server's own store directory, as in the pod; the rest stays", () => {
    const fleet = { ...exampleFleet, auth: { mode: 'jwt' as const, resolver: 'full' as const } };
    const conf = renderLocalConf(siteServerConfig(fleet, fleet.sites[0]), placement);
    expect(conf).toContain(
      ['  "resolver": {', '    "allow_delete": false,', '    "dir": "/tmp/harmony/site-1/data/resolver",', '    "interval": "2m",', '    "timeout": "1.9s",', '    "type": "full"', '  },'].join('\n'),
    );
    expect(conf).not.toContain('"/data/resolver"');
  });

  test('no resolver block without the full resolver', () => {
    expect(renderLocalConf(siteServerConfig(exampleFleet, exampleFleet.sites[0]), placement)).not.toContain('resolver');
  });
});
