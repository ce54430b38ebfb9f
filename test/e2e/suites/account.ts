import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Fleet } from '../../../config/types';
import { authMode, jwtResolver } from '../../../lib/defaults';
import { connectAs } from '../../../lib/kv/connect';
import { provisionBucket } from '../../../lib/kv/provision';
import { useSupercluster } from '../harness';

/** nats.js rejects the request with the server's own verdict. */
export const DENIED = /Permissions Violation for Publish/;

/**
 * What each identity of the account can and cannot do, on real servers.
 * The same probes run in nkeys and in JWT mode (account*.test.ts): the
 * permissions must not depend on how they reach the servers. `more` adds a
 * mode's own tests on the same supercluster.
 */
export function accountSuite(fleet: Fleet, more?: (sc: ReturnType<typeof useSupercluster>) => void): void {
  describe(`the HARMONY account on real nats-server, ${authMode(fleet)} mode${jwtResolver(fleet) === 'full' ? ', full resolver' : ''}`, () => {
    const sc = useSupercluster({ fleet });
    const open: NatsConnection[] = [];
    const as = async (identity: string, site = 'site-1') => {
      const nc = await connectAs(identity, sc.cluster.clientUrls(site), sc.cluster.credentials(identity), `e2e-${identity}`);
      open.push(nc);
      return nc;
    };

    beforeAll(async () => {
      const provisioner = await as('provisioner');
      await provisionBucket(provisioner, sc.cluster.fleet);
    });
    afterAll(async () => {
      await Promise.all(open.map((nc) => nc.close()));
    });

    describe('the agent', () => {
      test('puts, gets, lists keys, deletes and watches in HARMONY', async () => {
        const kv = await new Kvm(await as('agent')).open('HARMONY', { allow_direct: true });
        const seen: string[] = [];
        const watch = await kv.watch({ key: 'agent.>' });
        (async () => {
          for await (const e of watch) seen.push(`${e.operation}:${e.key}`);
        })();
        await kv.put('agent.one', 'v1');
        await kv.put('agent.two', 'v2');
        expect((await kv.get('agent.one'))?.string()).toBe('v1');
        const keys: string[] = [];
        for await (const k of await kv.keys('agent.>')) keys.push(k);
        expect(keys.sort()).toEqual(['agent.one', 'agent.two']);
        await kv.delete('agent.two');
        expect((await kv.get('agent.two'))?.operation).toBe('DEL');
        await new Promise((r) => setTimeout(r, 300));
        watch.stop();
        expect(seen).toEqual(expect.arrayContaining(['PUT:agent.one', 'PUT:agent.two', 'DEL:agent.two']));
      });

      test('cannot delete or purge the bucket', async () => {
        const jsm = await jetstreamManager(await as('agent'), { checkAPI: false });
        await expect(jsm.streams.delete('KV_HARMONY')).rejects.toThrow(DENIED);
        await expect(jsm.streams.purge('KV_HARMONY')).rejects.toThrow(DENIED);
      });

      test('cannot create a stream', async () => {
        const jsm = await jetstreamManager(await as('agent'), { checkAPI: false });
        await expect(jsm.streams.add({ name: 'AGENT_OWN', subjects: ['agent-own.>'] })).rejects.toThrow(DENIED);
      });

      test('cannot read another bucket', async () => {
        const kv = await new Kvm(await as('agent')).open('OTHER', { allow_direct: true });
        await expect(kv.get('k')).rejects.toThrow(DENIED);
      });

      test('cannot publish to $SYS', async () => {
        const nc = await as('agent');
        await expect(nc.request('$SYS.REQ.SERVER.PING', '', { timeout: 2000 })).rejects.toThrow(DENIED);
      });
    });

    test('the provisioner creates the bucket and finds it unchanged, but cannot delete it', async () => {
      const provisioner = await as('provisioner', 'site-2');
      const again = await provisionBucket(provisioner, sc.cluster.fleet);
      expect([...again.values()].every((a) => a === 'unchanged')).toBe(true);
      const jsm = await jetstreamManager(provisioner, { checkAPI: false });
      await expect(jsm.streams.delete('KV_HARMONY')).rejects.toThrow(DENIED);
    });

    test('the monitor reads stream state but cannot write', async () => {
      const monitor = await as('monitor', 'site-3');
      const jsm = await jetstreamManager(monitor, { checkAPI: false });
      expect((await jsm.streams.info('KV_HARMONY')).config.name).toBe('KV_HARMONY');
      const kv = await new Kvm(monitor).open('HARMONY', { allow_direct: true });
      await expect(kv.put('monitor.x', 'no')).rejects.toThrow(DENIED);
    });

    more?.(sc);
  });
}
