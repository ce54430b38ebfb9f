import { Kvm } from '@nats-io/kv';
import { connectAs } from '../../lib/kv/connect';
import { currentKey, newIdentityKey, publicKeys } from '../../lib/secrets/material';
import { waitFor } from '../../lib/local/readiness';
import { e2eFleet } from './harness';
import { accountSuite } from './suites/account';

// nkeys mode (the default): the probes, then a key rotation through the accounts include.
accountSuite(e2eFleet, (sc) => {
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
