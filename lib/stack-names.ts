import type { SiteSpec } from '../config/types';

/**
 * What `cdktf deploy` takes: `mgmt` and `nats-<site>`. Free of cdktf, so the
 * deploy CLI can name stacks without loading the CDK.
 */
export const MGMT_STACK = 'mgmt';
export const siteStackName = (site: Pick<SiteSpec, 'name'>): string => `nats-${site.name}`;
