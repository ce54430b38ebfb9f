import fc from 'fast-check';
import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import type { Fleet } from '../../../config/types';
import { gatewayHosts, gatewayPort } from '../../../lib/defaults';
import { siteCertificateSans } from '../../../lib/nats/certificates';
import { gatewayAdvertise, gatewayRemotes } from '../../../lib/nats/gateways';
import { gatewayUrlEnv } from '../../../lib/nats/names';
import { siteServerConfig } from '../../../lib/nats/site-config';
import { createCa, issueCertificate } from '../../../lib/pki';
import { exampleFleet, generatedFleet } from '../../fixtures/fleet';

/** Fleets of 3 to 30 sites with varied ports, extra hosts and IP or DNS advertise addresses. */
const fleets = fc.integer({ min: 3, max: 30 }).chain((count) =>
  fc
    .array(
      fc.record({
        port: fc.integer({ min: 1024, max: 29999 }),
        extra: fc.integer({ min: 0, max: 3 }),
        ipAdvertise: fc.boolean(),
      }),
      { minLength: count, maxLength: count },
    )
    .map((shapes): Fleet => {
      const base = generatedFleet(count);
      return {
        ...base,
        sites: base.sites.map((site, i) => ({
          ...site,
          gateway: {
            advertiseHost: shapes[i].ipAdvertise ? `198.51.100.${i + 1}` : `gw.site-${i + 1}.example.org`,
            port: shapes[i].port,
            extraHosts: Array.from({ length: shapes[i].extra }, (_, j) => `203.0.113.${(i * 4 + j) % 250}`),
          },
        })),
      };
    }),
);

describe('gateway mesh', () => {
  test('every site lists every other site exactly once and never itself', () => {
    fc.assert(
      fc.property(fleets, (fleet) => {
        for (const site of fleet.sites) {
          const names = gatewayRemotes(fleet, site).map((r) => r.name);
          expect(names).not.toContain(site.name);
          expect(new Set(names).size).toBe(names.length);
          expect(names.sort()).toEqual(fleet.sites.filter((s) => s !== site).map((s) => s.name).sort());
        }
      }),
      { numRuns: 50 },
    );
  });

  test("a site's URLs to a remote are the remote's advertised hosts on the remote's port", () => {
    fc.assert(
      fc.property(fleets, (fleet) => {
        for (const site of fleet.sites) {
          for (const remote of gatewayRemotes(fleet, site)) {
            const spec = fleet.sites.find((s) => s.name === remote.name)!;
            expect(remote.urls).toEqual(gatewayHosts(spec).map((host) => ({ host, port: gatewayPort(spec) })));
          }
        }
      }),
      { numRuns: 50 },
    );
  });

  test('gateway name = cluster name = site name, and every remote URL is an env reference', () => {
    fc.assert(
      fc.property(fleets, (fleet) => {
        const site = fleet.sites[0];
        const doc = siteServerConfig(fleet, site) as any;
        expect(doc.gateway.name).toBe(site.name);
        expect(doc.cluster.name).toBe(site.name);
        expect(doc.gateway.advertise).toBe(gatewayAdvertise(site));
        for (const g of doc.gateway.gateways) {
          g.urls.forEach((url: string, i: number) => expect(url).toBe(`<< $${gatewayUrlEnv(g.name, i)} >>`));
        }
      }),
      { numRuns: 30 },
    );
  });

  test('certificate SANs cover every address a remote dials', () => {
    fc.assert(
      fc.property(fleets, (fleet) => {
        for (const site of fleet.sites) {
          const sans = siteCertificateSans(site);
          for (const host of gatewayHosts(site)) {
            expect(isIP(host) ? sans.ips : sans.dnsNames).toContain(host);
          }
        }
      }),
      { numRuns: 50 },
    );
  });

  test('an issued site certificate carries those SANs and both server and client usage', () => {
    const ca = createCa('test CA');
    const site = exampleFleet.sites[0];
    const cert = new X509Certificate(issueCertificate(ca, site.name, siteCertificateSans(site)).certPem);
    for (const host of gatewayHosts(site)) expect(cert.subjectAltName).toContain(isIP(host) ? `IP Address:${host}` : `DNS:${host}`);
    expect(cert.subjectAltName).toContain('DNS:*.nats-headless');
    expect(cert.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
  });
});
