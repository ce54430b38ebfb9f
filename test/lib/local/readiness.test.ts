import type { RunningServer, ServerState } from '../../../lib/local/readiness';
import { missingMetaPeers, superclusterFormed } from '../../../lib/local/readiness';

/** Three sites of two servers, fully formed: every outbound and inbound gateway, one leader (a-0) that counts every other server. */
function formed(change: (name: string, state: ServerState) => ServerState = (_, s) => s): RunningServer[] {
  const sites = ['a', 'b', 'c'];
  return sites.flatMap((site) =>
    [0, 1].map((i) => {
      const name = `${site}-${i}`;
      const others = sites.filter((s) => s !== site);
      const state: ServerState = { up: true, outbound: others, inbound: others, metaLeader: 'a-0', metaClusterSize: 6, ...(name === 'a-0' ? { metaPeers: ['a-1', 'b-0', 'b-1', 'c-0', 'c-1'] } : {}) };
      return { site, name, state: change(name, state) };
    }),
  );
}

describe('superclusterFormed', () => {
  test('default properties: every gateway both ways, one leader, every server counted', () => {
    expect(superclusterFormed(formed())).toBe(true);
  });

  test.each([
    ['a server is down', (n: string, s: ServerState) => (n === 'b-1' ? { ...s, up: false } : s)],
    ['an outbound gateway is missing', (n: string, s: ServerState) => (n === 'c-0' ? { ...s, outbound: ['a'] } : s)],
    ['a site receives no inbound gateway from another', (n: string, s: ServerState) => (n.startsWith('b') ? { ...s, inbound: ['a'] } : s)],
    ['two leaders', (n: string, s: ServerState) => (n === 'c-1' ? { ...s, metaLeader: 'c-1' } : s)],
    ['no leader', (_: string, s: ServerState) => ({ ...s, metaLeader: undefined })],
    ['a server counts one peer fewer than are running', (n: string, s: ServerState) => (n === 'b-0' ? { ...s, metaClusterSize: 5 } : s)],
  ])('not formed when %s', (_, change) => {
    expect(superclusterFormed(formed(change))).toBe(false);
  });

  test('inbound is a property of the site: one server of it receiving each other site suffices', () => {
    expect(superclusterFormed(formed((n, s) => (n === 'a-1' ? { ...s, inbound: [] } : s)))).toBe(true);
  });
});

describe('missingMetaPeers', () => {
  test('none when the leader counts every other running server', () => {
    expect(missingMetaPeers(formed())).toEqual([]);
  });

  test('the running servers the leader does not count, once everything else has formed', () => {
    const servers = formed((n, s) => (n === 'a-0' ? { ...s, metaPeers: ['a-1', 'b-0', 'c-0', 'c-1'] } : { ...s, metaClusterSize: 5 }));
    expect(missingMetaPeers(servers)).toEqual(['b-1']);
  });

  test('none while the rest has not formed (a gateway missing): that is still forming, not stuck', () => {
    const servers = formed((n, s) => (n === 'a-0' ? { ...s, metaPeers: ['a-1'], outbound: ['b'] } : s));
    expect(missingMetaPeers(servers)).toEqual([]);
  });

  test('none when the leader does not list its peers, and none for no servers', () => {
    expect(missingMetaPeers(formed((n, s) => (n === 'a-0' ? { up: s.up, outbound: s.outbound, inbound: s.inbound, metaLeader: 'a-0', metaClusterSize: 6 } : s)))).toEqual([]);
    expect(missingMetaPeers([])).toEqual([]);
  });
});
