import { serverState } from '../../lib/local/readiness';
import { exampleFleet } from '../fixtures/fleet';
import { e2eFleet, useSupercluster } from './harness';

describe('one site (3 servers) from its rendered config', () => {
  const sc = useSupercluster({ fleet: { ...e2eFleet, sites: [exampleFleet.sites[0]] } });

  test('forms a JetStream cluster named after the site with one meta leader among its three servers', async () => {
    const servers = sc.cluster.serversOf('site-1');
    const views = await Promise.all(
      servers.map(async (s) => (await fetch(`http://127.0.0.1:${s.ports.monitor}/jsz`)).json() as Promise<{ meta_cluster: { name: string; leader: string; cluster_size: number } }>),
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

  test('elects no JetStream meta leader while its gateway peers are missing (no split brain)', async () => {
    sc.cluster.startSite('site-1');
    // Bounded observation: a two-site start elects within ~7 s here; a lone site never does.
    await new Promise((r) => setTimeout(r, 12_000));
    const states = await Promise.all(sc.cluster.serversOf('site-1').map(serverState));
    expect(states.map((s) => s.up)).toEqual([true, true, true]);
    expect(states.map((s) => s.metaLeader)).toEqual([undefined, undefined, undefined]);
  });
});
