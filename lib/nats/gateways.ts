import type { Fleet, SiteSpec } from '../../config/types';
import { gatewayHosts, gatewayPort } from '../defaults';

/** One remote site as a gateway peer: its name and every address that reaches it. */
export interface GatewayRemote {
  /** Gateway name = the remote's cluster name = its site name. */
  readonly name: string;
  readonly urls: readonly { readonly host: string; readonly port: number }[];
}

/**
 * The gateway peers of `site`: every other site exactly once, never itself,
 * in fleet order. Computed from the fleet alone, so each site stack renders
 * the same mesh without reading another stack's state. Listing all sites and
 * all their addresses from the start avoids a cold-start split brain.
 */
export function gatewayRemotes(fleet: Fleet, site: SiteSpec): GatewayRemote[] {
  return fleet.sites
    .filter((remote) => remote.name !== site.name)
    .map((remote) => ({
      name: remote.name,
      urls: gatewayHosts(remote).map((host) => ({ host, port: gatewayPort(remote) })),
    }));
}

/** The address this site advertises to the others. */
export const gatewayAdvertise = (site: SiteSpec): string => `${site.gateway.advertiseHost}:${gatewayPort(site)}`;

/** Gateways use mutual TLS unless the fleet turned it off for a private network. */
export const gatewayTls = (site: SiteSpec): boolean => site.gateway.tls ?? true;
