import type { Fleet, SiteSpec } from '../../config/types';
import { gatewayHosts, gatewayPort, siteNodes } from '../defaults';

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
export const gatewayAdvertise = (site: SiteSpec): string => `${hostPort(site.gateway.advertiseHost)}:${gatewayPort(site)}`;

/** A host as it stands before `:port`: an IPv6 literal in brackets (nats-server refuses it bare). */
export const hostPort = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** Gateways use mutual TLS unless the fleet turned it off for a private network. */
export const gatewayTls = (site: SiteSpec): boolean => site.gateway.tls ?? true;

/**
 * The JetStream meta-group size every server of `site` expects on its first
 * boot: its route URLs (one per server of the site, itself included) plus
 * every gateway URL it is given for the other sites (nats-server raft.go,
 * bootstrapRaftNode). It must equal the number of servers in the whole
 * supercluster. Fewer, and the majority it waits for can lie inside one
 * site, which then elects its own meta leader alone (split brain); more,
 * and measured on 2.15.1 no leader is ever elected, all servers up.
 *
 * From 2.12.10 and 2.14.2 each URL counts once; older servers resolve a
 * host name at boot and count every address it returns (see
 * `countsGatewayUrls`).
 */
export function expectedMetaGroupSize(fleet: Fleet, site: SiteSpec): number {
  return siteNodes(site) + gatewayRemotes(fleet, site).reduce((n, remote) => n + remote.urls.length, 0);
}

/** Every server of the supercluster: what the meta group really has. */
export const superclusterServers = (fleet: Fleet): number => fleet.sites.reduce((n, s) => n + siteNodes(s), 0);
