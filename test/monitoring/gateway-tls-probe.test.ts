import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIN_NATS_VERSION, atLeast, parseVersion } from '../../lib/nats/versions';
import type { Version } from '../../lib/nats/versions';
import { cachedNatsServers, checkNatsServer } from '../../lib/local/nats-server';
import { LOCAL_SANS } from '../../lib/nats/certificates';
import { issueCertificate } from '../../lib/pki';
import type { KeyPairPem } from '../../lib/pki';
import { mintMaterial } from '../../lib/secrets/material';
import type { Blackbox, ProbeResult } from '../support/blackbox';
import { checkBlackboxConfig, startBlackbox } from '../support/blackbox';
import type { GatewayServer } from '../support/gateway-server';
import { startGatewayServer } from '../support/gateway-server';
import { freeLoopbackPort } from '../support/loopback-port';
import { exampleFleet } from '../fixtures/fleet';

/*
 * nix/monitoring/blackbox.yml's module nats_tls against a real nats-server
 * gateway with the deployed TLS (siteServerConfig: mutual TLS, verify: true,
 * the fleet CA), and the real blackbox_exporter, both on 127.0.0.1 and
 * stopped in afterAll. What it shows, on each nats-server line:
 *
 * - the module reports the certificate's notAfter and succeeds, although the
 *   server then rejects the probe for its missing client certificate;
 * - why the module is what it is: the variants an operator might try
 *   (STARTTLS after INFO, TLS 1.2, a read after the handshake) report less
 *   or fail on a healthy gateway;
 * - what makes it fail: no TLS on the gateway, nothing listening; and an
 *   expired certificate is still reported, with its expiry.
 *
 * NATS_SERVER_BIN selects one nats-server; otherwise the newest and the
 * oldest supported ones in .cache/nats-server run.
 */

const BLACKBOX_YML = join(__dirname, '..', '..', 'nix', 'monitoring', 'blackbox.yml');

const jsYaml = require('js-yaml') as { safeLoad?: (text: string) => unknown; load: (text: string) => unknown; safeDump?: (v: unknown) => string; dump: (v: unknown) => string };
const parseYaml = (text: string): unknown => (jsYaml.safeLoad ?? jsYaml.load)(text);
const toYaml = (value: unknown): string => (jsYaml.safeDump ?? jsYaml.dump)(value);

interface TcpModule {
  prober: string;
  timeout?: string;
  tcp: { tls?: boolean; tls_config?: Record<string, unknown>; query_response?: Record<string, unknown>[] };
}

function natsServers(): { version: string; bin: string }[] {
  const chosen = process.env.NATS_SERVER_BIN;
  if (chosen) return [{ version: checkNatsServer(chosen), bin: chosen }];
  const supported = cachedNatsServers().filter((s) => atLeast(parseVersion(s.version) as Version, MIN_NATS_VERSION));
  if (supported.length === 0) return [{ version: checkNatsServer('nats-server'), bin: 'nats-server' }];
  return supported.length === 1 ? supported : [supported[0], supported[supported.length - 1]];
}

/** notAfter of a PEM certificate in Unix seconds, read by Node's own X.509 parser (not forge, which wrote it). */
const notAfter = (cert: KeyPairPem): number => Date.parse(new X509Certificate(cert.certPem).validTo) / 1000;

const EXPIRY = 'probe_ssl_earliest_cert_expiry';

jest.setTimeout(60_000);

const work = mkdtempSync(join(tmpdir(), 'harmony-gateway-probe-'));
const fleet = exampleFleet;
const SITE = fleet.sites[0].name;
const material = mintMaterial(fleet, () => LOCAL_SANS);
const shipped = (parseYaml(readFileSync(BLACKBOX_YML, 'utf8')) as { modules: Record<string, TcpModule> }).modules;

/** The shipped module, changed: what the tests compare it with. */
const variant = (change: (m: TcpModule) => void): TcpModule => {
  const m = structuredClone(shipped.nats_tls);
  change(m);
  return m;
};
const testModules: Record<string, TcpModule> = {
  ...shipped,
  // The issue's first idea: plaintext INFO, then STARTTLS.
  starttls_after_info: variant((m) => {
    m.timeout = '2s';
    m.tcp.tls = false;
    m.tcp.query_response = [{ expect: '^INFO' }, { starttls: true }];
  }),
  tls12: variant((m) => {
    delete m.tcp.tls_config?.min_version;
    m.tcp.tls_config = { ...m.tcp.tls_config, max_version: 'TLS12' };
  }),
  // Waits for the INFO a gateway sends after a successful handshake.
  tls13_then_read: variant((m) => {
    m.tcp.query_response = [{ expect: '^INFO' }];
  }),
};

let blackbox: Blackbox | undefined;
const started: GatewayServer[] = [];

beforeAll(async () => {
  checkBlackboxConfig(BLACKBOX_YML);
  const config = join(work, 'blackbox.yml');
  writeFileSync(config, toYaml({ modules: testModules }));
  blackbox = await startBlackbox(config, work);
});

afterAll(async () => {
  try {
    await Promise.all([...started.map((s) => s.stop()), blackbox?.stop()]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}, 30_000);

const probe = (module: string, target: string): Promise<ProbeResult> => {
  if (!blackbox) throw new Error('blackbox_exporter not started');
  return blackbox.probe(module, target);
};

test('the shipped blackbox.yml: one module nats_tls, TLS 1.3 from the first byte, no step after the handshake', () => {
  expect(Object.keys(shipped)).toEqual(['nats_tls']);
  expect(shipped.nats_tls.prober).toBe('tcp');
  expect(shipped.nats_tls.tcp.tls).toBe(true);
  expect(shipped.nats_tls.tcp.tls_config).toMatchObject({ min_version: 'TLS13', insecure_skip_verify: true });
  expect(shipped.nats_tls.tcp.query_response).toBeUndefined();
});

test('nothing listening: probe_success 0, no expiry', async () => {
  const r = await probe('nats_tls', `127.0.0.1:${await freeLoopbackPort()}`);
  expect(r.metrics.get('probe_success')).toBe(0);
  expect(r.metrics.has(EXPIRY)).toBe(false);
});

describe.each(natsServers())('nats-server $version', ({ version, bin }) => {
  const servers: { tls?: GatewayServer; plain?: GatewayServer; expired?: GatewayServer } = {};
  const expiredCert = issueCertificate(material.ca, `nats ${SITE} (expired)`, LOCAL_SANS, -0.5);

  beforeAll(async () => {
    const start = async (name: string, extra: { cert?: KeyPairPem; gatewayTls?: boolean } = {}) => {
      const s = await startGatewayServer({ fleet, site: SITE, material, bin, dir: join(work, version, name), ...extra });
      started.push(s);
      return s;
    };
    servers.tls = await start('tls');
    servers.plain = await start('plain', { gatewayTls: false });
    servers.expired = await start('expired', { cert: expiredCert });
  }, 60_000);

  const address = (which: keyof typeof servers): string => {
    const s = servers[which];
    if (!s) throw new Error(`the ${which} server did not start`);
    return s.gatewayAddress;
  };

  test('nats_tls on the deployed gateway: probe_success 1, TLS 1.3, expiry = the certificate notAfter; the server then refuses the probe', async () => {
    const r = await probe('nats_tls', address('tls'));
    expect(r.metrics.get('probe_success')).toBe(1);
    expect(r.metrics.get(EXPIRY)).toBe(notAfter(material.sites[SITE].cert));
    expect(r.metrics.get('probe_tls_version_info{version="TLS 1.3"}')).toBe(1);
    // The probe never gets in: the gateway requires a client certificate.
    const deadline = Date.now() + 5000;
    while (!servers.tls?.log().includes("TLS gateway handshake error: tls: client didn't provide a certificate") && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(servers.tls?.log()).toContain("TLS gateway handshake error: tls: client didn't provide a certificate");
  });

  test('STARTTLS after a plaintext INFO gets nothing: the gateway starts TLS before any INFO', async () => {
    const r = await probe('starttls_after_info', address('tls'));
    expect(r.metrics.get('probe_success')).toBe(0);
    expect(r.metrics.has(EXPIRY)).toBe(false);
    // Not a byte in 2 s: the server waits for a ClientHello (its TLS timeout is 5 s).
    expect(r.log).toMatch(/Error reading from connection.*i\/o timeout/);
  });

  test('TLS 1.2 learns nothing: the server rejects the missing client certificate inside the handshake', async () => {
    const r = await probe('tls12', address('tls'));
    expect(r.metrics.get('probe_success')).toBe(0);
    expect(r.metrics.has(EXPIRY)).toBe(false);
    expect(r.log).toMatch(/remote error: tls: (bad certificate|handshake failure)/);
  });

  test('any read after the TLS 1.3 handshake fails with "certificate required": a step there would fail every healthy probe', async () => {
    const r = await probe('tls13_then_read', address('tls'));
    expect(r.metrics.get('probe_success')).toBe(0);
    expect(r.metrics.get(EXPIRY)).toBe(notAfter(material.sites[SITE].cert));
    expect(r.log).toContain('remote error: tls: certificate required');
  });

  test('a gateway without TLS fails nats_tls: probe_success 0, no expiry', async () => {
    const r = await probe('nats_tls', address('plain'));
    expect(r.metrics.get('probe_success')).toBe(0);
    expect(r.metrics.has(EXPIRY)).toBe(false);
  });

  test('an expired certificate is still reported, with its notAfter in the past (no verification)', async () => {
    const r = await probe('nats_tls', address('expired'));
    expect(r.metrics.get('probe_success')).toBe(1);
    expect(r.metrics.get(EXPIRY)).toBe(notAfter(expiredCert));
    expect(notAfter(expiredCert)).toBeLessThan(Date.now() / 1000);
  });
});
