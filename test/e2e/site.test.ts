import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_PORTS, claimLoopbackBlock } from '../../lib/local/loopback';
import { spawnServer, stopServer } from '../../lib/local/nats-server';
import { gatewayAdvertise, gatewayRemotes } from '../../lib/nats/gateways';
import { routeUrlEnv } from '../../lib/nats/names';
import { renderLocalConf } from '../../lib/nats/local-conf';
import { credentialUrl, gatewayUrlVars, siteServerConfig } from '../../lib/nats/site-config';
import { waitFor } from '../../lib/local/readiness';
import type { LocalServer } from '../../lib/local/supercluster';
import { PROBE_PATHS } from '../../lib/nats/helm-values';
import { checkNatsServer } from '../../lib/local/nats-server';
import type { Version } from '../../lib/nats/versions';
import { atLeast, parseVersion } from '../../lib/nats/versions';
import { exampleFleet } from '../fixtures/fleet';
import { e2eFleet, testMaterial, useSupercluster } from './harness';

describe('one site (3 servers) from its rendered config', () => {
  const sc = useSupercluster({ fleet: { ...e2eFleet, sites: [exampleFleet.sites[0]] } });

  test('forms a JetStream cluster named after the site with one meta leader among its three servers', async () => {
    const servers = sc.cluster.serversOf('site-1');
    const views = await Promise.all(
      servers.map(async (s) => (await fetch(`${s.monitorUrl}/jsz`)).json() as Promise<{ meta_cluster: { name: string; leader: string; cluster_size: number } }>),
    );
    for (const view of views) {
      expect(view.meta_cluster.name).toBe('site-1');
      expect(view.meta_cluster.cluster_size).toBe(3);
    }
    expect(new Set(views.map((v) => v.meta_cluster.leader)).size).toBe(1);
    expect(servers.map((s) => s.name)).toContain(views[0].meta_cluster.leader);
  });
});

describe('a lone site of the three-site fleet (cold start)', () => {
  const sc = useSupercluster({ sites: [], fleet: e2eFleet });
  const status = async (server: LocalServer, path: string) => {
    const response = await fetch(`${server.monitorUrl}${path}`);
    return { status: response.status, body: (await response.json()) as { status: string; error?: string } };
  };
  // The probes that restart a pod (startup, liveness) must pass on every
  // supported server. Readiness only takes a pod out of Service endpoints:
  // js-server-only still waits for a meta leader on 2.10 (monitor.go checks
  // it before the js-server-only return), no longer since 2.11.
  const version = parseVersion(checkNatsServer()) as Version;
  const readinessWaitsForLeader = !atLeast(version, '2.11.0');
  const probes = Object.entries(PROBE_PATHS).filter(([probe]) => probe !== 'readiness' || !readinessWaitsForLeader);

  beforeAll(async () => {
    sc.cluster.startSite('site-1');
    // Up: every probe path the chart is given answers 200 on every server.
    await waitFor(
      'the probes of the lone site to answer 200',
      () => Promise.all(sc.cluster.serversOf('site-1').flatMap((s) => probes.map(([, path]) => status(s, path).then((r) => r.status).catch(() => 0)))),
      (codes) => codes.every((c) => c === 200),
      30_000,
    );
  });

  test('cannot elect a JetStream meta leader by construction: it expects all 9 servers and needs 5, it has 3', async () => {
    for (const server of sc.cluster.serversOf('site-1')) {
      const jsz = (await (await fetch(`${server.monitorUrl}/jsz`)).json()) as { meta_cluster: { cluster_size: number; quorum_needed: number; leader?: string } };
      expect(jsz.meta_cluster.cluster_size).toBe(9);
      // A raft majority of 9; 2.10 does not report quorum_needed, newer servers do.
      expect(jsz.meta_cluster.quorum_needed ?? Math.floor(9 / 2) + 1).toBe(5);
      expect(jsz.meta_cluster.leader ?? '').toBe('');
    }
  });

  test("the deployed probe paths answer 200 while it waits, so Kubernetes never restarts it; the chart's plain /healthz would not", async () => {
    for (const server of sc.cluster.serversOf('site-1')) {
      for (const [probe, path] of probes) expect({ probe, ...(await status(server, path)) }).toEqual({ probe, status: 200, body: { status: 'ok' } });
      // What the chart's own startupProbe asks: 503 until the other sites come, i.e. a restart after 90 x 10 s.
      const noLeader = { status: 503, body: { status: 'unavailable', error: 'JetStream has not established contact with a meta leader' } };
      expect(await status(server, '/healthz')).toEqual(noLeader);
      if (readinessWaitsForLeader) expect(await status(server, PROBE_PATHS.readiness)).toEqual(noLeader);
    }
  });
});

describe('an IPv6 literal as a gateway advertise host', () => {
  test('renders as nats-server accepts it ([addr]:port); the bare form is fatal at start', async () => {
    const v6Fleet = { ...e2eFleet, sites: e2eFleet.sites.map((s, i) => (i === 0 ? { ...s, gateway: { ...s.gateway, advertiseHost: '2001:db8::1' } } : s)) };
    const site = v6Fleet.sites[0];
    expect(gatewayAdvertise(site)).toBe('[2001:db8::1]:7222');
    const block = await claimLoopbackBlock();
    const dir = mkdtempSync(join(tmpdir(), 'harmony-v6-'));
    const material = testMaterial(v6Fleet);
    writeFileSync(join(dir, 'ca.crt'), material.ca.certPem);
    writeFileSync(join(dir, 'tls.crt'), material.sites['site-1'].cert.certPem);
    writeFileSync(join(dir, 'tls.key'), material.sites['site-1'].cert.keyPem, { mode: 0o600 });
    const start = async (advertise: string) => {
      mkdirSync(join(dir, 'nats-config'), { recursive: true });
      mkdirSync(join(dir, 'nats-accounts'), { recursive: true });
      const conf = join(dir, 'nats-config', `${advertise.length}.conf`);
      const log = join(dir, `${advertise.length}.log`);
      // The site's own config, only listen addresses and files moved; the advertise address as rendered.
      writeFileSync(conf, renderLocalConf(siteServerConfig(v6Fleet, site), { host: block.address(0), ports: LOCAL_PORTS, advertise, storeDir: join(dir, 'data'), tlsDir: dir }));
      writeFileSync(join(dir, 'nats-accounts', 'accounts.conf'), '');
      const env = {
        PATH: process.env.PATH,
        SERVER_NAME: 'v6',
        NATS_ROUTE_PASSWORD: 'pw',
        NATS_GATEWAY_PASSWORD: 'pw',
        // Peers nobody answers for: the server starts all the same.
        ...Object.fromEntries([0, 1, 2].map((i) => [routeUrlEnv(i), credentialUrl('route', 'pw', block.address(i + 1), LOCAL_PORTS.cluster)])),
        ...Object.fromEntries(gatewayUrlVars(gatewayRemotes(v6Fleet, site), 'pw')),
      };
      const child = spawnServer(conf, env, log);
      try {
        return await waitFor(`the server's verdict on ${advertise}`, async () => (existsSync(log) ? readFileSync(log, 'utf8') : ''), (text) => /Advertise address for gateway|FTL/.test(text) || child.exitCode !== null, 10_000);
      } finally {
        await stopServer(child);
      }
    };
    try {
      expect(await start(gatewayAdvertise(site))).toContain('Advertise address for gateway "site-1" is set to [2001:db8::1]:7222');
      expect(await start('2001:db8::1:7222')).toMatch(/FTL.*too many colons in address/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await block.release();
    }
  });
});
