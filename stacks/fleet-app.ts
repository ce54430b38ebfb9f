import type { App } from 'cdktf';
import type { Fleet } from '../config/types';
import { configureBackend } from '../constructs/backend';
import type { IdentityKeys } from '../lib/nats/accounts';
import type { JwtBundle } from '../lib/nats/jwt-bundle';
import type { SecretRevisions } from '../lib/secrets/revisions';
import { firstRevisions } from '../lib/secrets/revisions';
import { MgmtStack } from './mgmt-stack';
import { MGMT_STACK, siteStackName } from '../lib/stack-names';
import { NatsSiteStack } from './nats-site-stack';

export { MGMT_STACK };

/** Every stack of the fleet: `mgmt` and one `nats-<site>` per site, each with its own state. */
export function addFleetStacks(
  app: App,
  fleet: Fleet,
  identities: IdentityKeys,
  revisions: SecretRevisions = firstRevisions(fleet.sites.map((s) => s.name)),
  jwts?: JwtBundle,
): void {
  const mgmt = new MgmtStack(app, MGMT_STACK, { host: fleet.mgmt, sites: fleet.sites, kvSnapshots: fleet.account.kv.snapshots });
  configureBackend(mgmt, MGMT_STACK, fleet.backend);
  for (const site of fleet.sites) {
    const name = siteStackName(site);
    const stack = new NatsSiteStack(app, name, { fleet, site, identities, revisions: revisions[site.name], jwts });
    configureBackend(stack, name, fleet.backend);
  }
}
