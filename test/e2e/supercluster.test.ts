import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { connectAs } from '../../lib/kv/connect';
import { spawnServer, stopServer } from '../../lib/local/nats-server';
import { LOCAL_PORTS, claimLoopbackBlock } from '../../lib/local/loopback';
import { serverState, waitFor } from '../../lib/local/readiness';
import { renderLocalConf } from '../../lib/nats/local-conf';
import { siteServerConfig } from '../../lib/nats/site-config';
import { createCa, issueCertificate } from '../../lib/pki';
import { currentKey } from '../../lib/secrets/material';
import type { Fleet } from '../../config/types';
import { validateFleet } from '../../config/validate';
import { exampleFleet, exampleIdentities } from '../fixtures/fleet';
import { e2eFleet, useSupercluster } from './harness';

const getJson = async (url: string): Promise<any> => (await fetch(url)).json();

describe('the fleet as a supercluster on real nats-server (3 sites x 3 servers)', () => {
  const sc = useSupercluster();

  test('every rendered server config passes nats-server -t', () => {
    expect(() => sc.cluster.testConfigs()).not.toThrow();
  });

  test('each site is a JetStream cluster named after the site, all agreeing on one meta leader', async () => {
    const leaders = new Set<string>();
    for (const server of sc.cluster.servers) {
      const jsz = await getJson(`${server.monitorUrl}/jsz`);
      expect(jsz.meta_cluster.name).toBe(server.site);
      leaders.add(jsz.meta_cluster.leader);
      const varz = await getJson(`${server.monitorUrl}/varz`);
      expect(varz.server_name).toBe(server.name);
      expect(varz.cluster.name).toBe(server.site);
    }
    expect(leaders.size).toBe(1);
  });

  test('cold start in the deployed shape: 3 distinct gateway addresses per remote, so every server expects the 9 servers there are', async () => {
    for (const site of sc.cluster.fleet.sites) {
      const hosts = [site.gateway.advertiseHost, ...(site.gateway.extraHosts ?? [])];
      // What the other sites dial: as many distinct addresses as the deployed fleet lists.
      expect(new Set(hosts).size).toBe([exampleFleet.sites.find((s) => s.name === site.name)!.gateway.advertiseHost, ...(exampleFleet.sites.find((s) => s.name === site.name)!.gateway.extraHosts ?? [])].length);
    }
    for (const server of sc.cluster.servers) {
      const jsz = await getJson(`${server.monitorUrl}/jsz`);
      expect(jsz.meta_cluster.cluster_size).toBe(9);
    }
  });

  test('every server has outbound gateways to all other sites; every site has inbound gateways from all others', async () => {
    const sites = [...new Set(sc.cluster.servers.map((s) => s.site))];
    for (const site of sites) {
      const others = sites.filter((s) => s !== site).sort();
      const states = await Promise.all(sc.cluster.serversOf(site).map(serverState));
      for (const state of states) expect(state.outbound).toEqual(others);
      expect([...new Set(states.flatMap((s) => s.inbound))].sort()).toEqual(others);
    }
  });

  test('routes within a site are up: every server routes to its two peers, and only to them', async () => {
    for (const server of sc.cluster.servers) {
      const routez = await getJson(`${server.monitorUrl}/routez`);
      // Routes are pooled since 2.10 (several connections per peer, plus
      // per-account ones): count the peers, not the connections.
      const peers = [...new Set((routez.routes as { remote_name: string }[]).map((r) => r.remote_name))].sort();
      expect(peers).toEqual(sc.cluster.serversOf(server.site).filter((s) => s !== server).map((s) => s.name).sort());
    }
  });

  test('a message published at site-1 reaches a subscriber at site-3', async () => {
    const seed = currentKey(sc.material, 'e2e-probe').seed;
    const sub = await connectAs('e2e-probe', sc.cluster.clientUrls('site-3'), seed, 'e2e-sub');
    const pub = await connectAs('e2e-probe', sc.cluster.clientUrls('site-1'), seed, 'e2e-pub');
    try {
      const received = new Promise<string>((resolve) => {
        const s = sub.subscribe('e2e.hello', { max: 1 });
        (async () => {
          for await (const m of s) resolve(m.string());
        })();
      });
      await sub.flush();
      // Interest crosses the gateways asynchronously: publish until it arrives.
      const timer = setInterval(() => pub.publish('e2e.hello', 'from site-1'), 100);
      try {
        await expect(Promise.race([received, new Promise((_, r) => setTimeout(() => r(new Error('no message in 10 s')), 10_000))])).resolves.toBe('from site-1');
      } finally {
        clearInterval(timer);
      }
    } finally {
      await Promise.all([sub.close(), pub.close()]);
    }
  });

  test('clients without an nkey are refused', async () => {
    await expect(connect({ servers: sc.cluster.clientUrls('site-1'), timeout: 3000, maxReconnectAttempts: 0, reconnect: false })).rejects.toThrow(/Authorization|authentication/i);
  });

  test('a server whose certificate is not signed by the fleet CA is refused as a gateway', async () => {
    const fleet = sc.cluster.fleet;
    const dir = join(sc.cluster.dir, 'rogue');
    const tlsDir = join(dir, 'tls');
    mkdirSync(join(dir, 'nats-config'), { recursive: true });
    mkdirSync(join(dir, 'nats-accounts'), { recursive: true });
    mkdirSync(tlsDir, { recursive: true });
    const otherCa = createCa('not the fleet CA');
    const rogueCert = issueCertificate(otherCa, 'rogue', { dnsNames: ['localhost'], ips: [] });
    writeFileSync(join(tlsDir, 'ca.crt'), otherCa.certPem + sc.material.ca.certPem);
    writeFileSync(join(tlsDir, 'tls.crt'), rogueCert.certPem);
    writeFileSync(join(tlsDir, 'tls.key'), rogueCert.keyPem);
    writeFileSync(join(dir, 'nats-accounts', 'accounts.conf'), readFileSync(join(sc.cluster.serversOf('site-2')[0].dir, 'nats-accounts', 'accounts.conf')));
    // The rogue claims to be a server of site-2 and knows the gateway password: only its certificate is wrong.
    const block = await claimLoopbackBlock();
    const host = block.address(0);
    const conf = join(dir, 'nats-config', 'nats.conf');
    writeFileSync(conf, renderLocalConf(siteServerConfig(fleet, fleet.sites[1]), { host, ports: LOCAL_PORTS, advertise: `${host}:${LOCAL_PORTS.gateway}`, storeDir: join(dir, 'data'), tlsDir }));
    const site1 = sc.cluster.serversOf('site-1');
    const site3 = sc.cluster.serversOf('site-3');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      SERVER_NAME: 'rogue',
      NATS_ROUTE_PASSWORD: sc.material.sites['site-2'].routePassword,
      NATS_GATEWAY_PASSWORD: sc.material.gatewayPassword,
      NATS_ROUTE_0: `nats://route:x@${host}:${LOCAL_PORTS.cluster}`,
      NATS_ROUTE_1: `nats://route:x@${block.address(1)}:${LOCAL_PORTS.cluster}`,
      NATS_ROUTE_2: `nats://route:x@${block.address(2)}:${LOCAL_PORTS.cluster}`,
    };
    [0, 1, 2].forEach((i) => {
      env[`NATS_GATEWAY_SITE_1_${i}`] = `nats://gateway:${sc.material.gatewayPassword}@${site1[i].host}:${site1[i].ports.gateway}`;
      env[`NATS_GATEWAY_SITE_3_${i}`] = `nats://gateway:${sc.material.gatewayPassword}@${site3[i].host}:${site3[i].ports.gateway}`;
    });
    const rogue = spawnServer(conf, env, join(dir, 'server.log'));
    try {
      const rogueServer = { monitorUrl: `http://${host}:${LOCAL_PORTS.monitor}` } as Parameters<typeof serverState>[0];
      // Give it time to dial every site-1 and site-3 server, then check it got nowhere.
      await waitFor('rogue to attempt its gateways', () => Promise.resolve(readFileSync(join(dir, 'server.log'), 'utf8')), (log) => (log.match(/Gateway connection closed/g) ?? []).length >= 4, 15_000);
      const state = await serverState(rogueServer);
      expect(state.outbound).toEqual([]);
      expect(state.inbound).toEqual([]);
      for (const server of [...site1, ...site3]) {
        const gatewayz = await getJson(`${server.monitorUrl}/gatewayz?gw_name=site-2&accs=0`);
        const inbound = (gatewayz.inbound_gateways?.['site-2'] ?? []) as { connection: { name: string } }[];
        expect(inbound.map((c) => c.connection.name)).not.toContain('rogue');
      }
    } finally {
      await stopServer(rogue);
      await block.release();
    }
  });

  // Last: it stops a site for good.
  test("losing the meta leader's whole site: the 6 survivors (majority of 9) elect a new leader among themselves", async () => {
    const first = await getJson(`${sc.cluster.servers[0].monitorUrl}/jsz`);
    const leader = sc.cluster.servers.find((s) => s.name === first.meta_cluster.leader)!;
    expect(leader).toBeDefined();
    await sc.cluster.stopSite(leader.site);
    const survivors = sc.cluster.servers.filter((s) => s.site !== leader.site);
    const leaders = await waitFor(
      'a new meta leader among the surviving sites',
      () => Promise.all(survivors.map(async (s) => (await serverState(s)).metaLeader)),
      (seen) => new Set(seen).size === 1 && seen[0] !== undefined && survivors.some((s) => s.name === seen[0]),
      30_000,
    );
    expect(survivors.map((s) => s.name)).toContain(leaders[0]);
    expect(leaders[0]).not.toBe(leader.name);
  });
});

describe('the shape the README once advised: advertise host plus every node (4 addresses for 3 servers)', () => {
  const four: Fleet = {
    ...e2eFleet,
    sites: e2eFleet.sites.map((s, i) => ({ ...s, gateway: { ...s.gateway, extraHosts: [1, 2, 3].map((n) => `198.18.${i}.${n}`) } })),
  };
  const sc = useSupercluster({ fleet: four, sites: [] });

  test('every server expects an 11-member meta group where 9 servers exist (validation refuses this fleet)', async () => {
    for (const site of four.sites) sc.cluster.startSite(site.name);
    const sizes = await waitFor(
      'every server to report its meta group',
      () => Promise.all(sc.cluster.servers.map((s) => getJson(`${s.monitorUrl}/jsz`).then((j) => j.meta_cluster?.cluster_size as number | undefined, () => undefined))),
      (seen) => seen.every((n) => n !== undefined),
      20_000,
    );
    expect(sizes).toEqual(sc.cluster.servers.map(() => 11));
    expect(validateFleet({ ...four, account: exampleFleet.account }, exampleIdentities)).toEqual(
      four.sites.map((_, i) => expect.stringMatching(new RegExp(`^sites\\[${i}\\]\\.gateway lists 4 addresses .*too many blocks every election`))),
    );
  });
});
