import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectAs } from '../../lib/kv/connect';
import { provisionBucket } from '../../lib/kv/provision';
import type { SecretMaterial } from '../../lib/secrets/material';
import { currentKey, newIdentityKey, publicKeys } from '../../lib/secrets/material';
import { waitFor } from '../../lib/local/readiness';
import { useSupercluster } from './harness';

/** nats.js rejects the request with the server's own verdict. */
const DENIED = /Permissions Violation for Publish/;

describe('the HARMONY account on real nats-server', () => {
  const sc = useSupercluster();
  const open: NatsConnection[] = [];
  const as = async (identity: string, site = 'site-1', material: SecretMaterial = sc.material) => {
    const nc = await connectAs(identity, sc.cluster.clientUrls(site), currentKey(material, identity).seed, `e2e-${identity}`);
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

  test('rotation: old and new keys both work during it, the old one is refused after retire', async () => {
    const old = currentKey(sc.material, 'agent');
    const fresh = newIdentityKey();
    const servers = sc.cluster.clientUrls('site-2');
    /** Which of the site's servers accept `seed` right now (each reloads on its own). */
    const accepting = async (seed: string) =>
      Promise.all(
        servers.map(async (url) => {
          try {
            await (await connectAs('agent', [url], seed, 'rotation-probe')).close();
            return true;
          } catch {
            return false;
          }
        }),
      );

    sc.cluster.reloadAccounts(publicKeys({ ...sc.material, identities: { ...sc.material.identities, agent: [old, fresh] } }));
    await waitFor('every server to accept the new key', () => accepting(fresh.seed), (a) => a.every(Boolean), 10_000);
    expect(await accepting(old.seed)).toEqual([true, true, true]);
    for (const key of [old, fresh]) {
      const nc = await connectAs('agent', servers, key.seed, 'rotation');
      await (await new Kvm(nc).open('HARMONY', { allow_direct: true })).put('agent.rotation', key.publicKey);
      await nc.close();
    }

    sc.cluster.reloadAccounts(publicKeys({ ...sc.material, identities: { ...sc.material.identities, agent: [fresh] } }));
    await waitFor('every server to refuse the retired key', () => accepting(old.seed), (a) => a.every((ok) => !ok), 10_000);
    await expect(connectAs('agent', servers, old.seed, 'retired')).rejects.toThrow(/authorization/i);
    const nc = await connectAs('agent', servers, fresh.seed, 'new key');
    const kv = await new Kvm(nc).open('HARMONY', { allow_direct: true });
    // The put went to the origin in site-1; site-2's mirror answers reads and follows asynchronously.
    const value = await waitFor('the last put at site-2', async () => (await kv.get('agent.rotation'))?.string(), (v) => v === fresh.publicKey, 10_000);
    expect(value).toBe(fresh.publicKey);
    await nc.close();
  });
});
