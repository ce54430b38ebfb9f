import type { Fleet } from '../../config/types';
import { LocalSupercluster } from '../../lib/local/supercluster';
import { LOCAL_SANS } from '../../lib/nats/certificates';
import type { SecretMaterial } from '../../lib/secrets/material';
import { mintMaterial } from '../../lib/secrets/material';
import { exampleFleet } from '../fixtures/fleet';

// Bounded waits inside the tests decide failures; this only caps a hung test.
jest.setTimeout(60_000);

/**
 * The example fleet plus two services: a probe allowed to publish and
 * subscribe on `e2e.>`, and a listener that may only subscribe there (an
 * empty publish list, which must mean "nothing", not "anything").
 */
export const e2eFleet: Fleet = {
  ...exampleFleet,
  account: {
    ...exampleFleet.account,
    services: [
      { name: 'e2e-probe', publish: ['e2e.>'], subscribe: ['e2e.>'] },
      { name: 'e2e-listener', publish: [], subscribe: ['e2e.>'] },
    ],
  },
};

/** The same fleet in JWT mode (fleet.auth): the servers trust an operator, clients present user JWTs. */
export const jwtE2eFleet: Fleet = { ...e2eFleet, auth: { mode: 'jwt' } };

/** Material for a test run: minted now, valid for loopback, never written to the repo. */
export const testMaterial = (fleet: Fleet = e2eFleet): SecretMaterial => mintMaterial(fleet, () => LOCAL_SANS);

/**
 * The fleet's supercluster for one test file: created and started in
 * beforeAll, every process stopped and every file removed in afterAll, even
 * when a test fails. Waits are bounded.
 */
export function useSupercluster(options: { fleet?: Fleet; sites?: readonly string[]; material?: SecretMaterial } = {}) {
  const fleet = options.fleet ?? e2eFleet;
  const state: { cluster?: LocalSupercluster; material: SecretMaterial } = { material: options.material ?? testMaterial(fleet) };
  beforeAll(async () => {
    state.cluster = await LocalSupercluster.create({ fleet, material: state.material });
    const sites = options.sites ?? fleet.sites.map((s) => s.name);
    for (const site of sites) state.cluster.startSite(site);
    if (sites.length > 0) await state.cluster.waitReady(60_000);
  }, 90_000);
  afterAll(async () => {
    await state.cluster?.close();
  }, 30_000);
  return {
    get cluster(): LocalSupercluster {
      if (!state.cluster) throw new Error('supercluster not started');
      return state.cluster;
    },
    get material(): SecretMaterial {
      return state.material;
    },
  };
}
