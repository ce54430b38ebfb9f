import type { SiteSpec } from '../../config/types';

/**
 * Names shared by the Helm values, the Kubernetes resources and the local
 * supercluster. The chart derives every object name from the release's
 * fullname; with release name `nats` that fullname is `nats`.
 */
export const RELEASE_NAME = 'nats';
export const HEADLESS_SERVICE = `${RELEASE_NAME}-headless`;

/** Container ports: the chart's defaults, kept so its probes and services line up. */
export const PORTS = { client: 4222, cluster: 6222, gateway: 7222, monitor: 8222, websocket: 8080 } as const;

/** Server names must be unique across the supercluster: prefix the pod name with the site. */
export const serverNamePrefix = (site: SiteSpec): string => `${site.name}-`;
export const podName = (index: number): string => `${RELEASE_NAME}-${index}`;
export const serverName = (site: SiteSpec, index: number): string => `${serverNamePrefix(site)}${podName(index)}`;

/** Environment variables the server config reads (NATS resolves `$NAME` from the environment). */
export const ENV = {
  serverName: 'SERVER_NAME',
  routePassword: 'NATS_ROUTE_PASSWORD',
  gatewayPassword: 'NATS_GATEWAY_PASSWORD',
} as const;

/**
 * nats-server 2.9 sends no credentials on a route or gateway URL without
 * userinfo (verified: "Authorization Violation"), and a config variable
 * cannot sit inside a string. So each URL is a whole variable whose value
 * embeds the password: Kubernetes composes it with `$(VAR)` expansion, the
 * local supercluster composes it in the process environment.
 */
export const routeUrlEnv = (index: number): string => `NATS_ROUTE_${index}`;
export const gatewayUrlEnv = (remote: string, index: number): string =>
  `NATS_GATEWAY_${remote.toUpperCase().replace(/-/g, '_')}_${index}`;

export const ROUTE_USER = 'route';
export const GATEWAY_USER = 'gateway';

/** In-pod paths: where the chart mounts TLS secrets and where we mount the accounts secret. */
export const POD_PATHS = {
  configDir: '/etc/nats-config',
  clusterTlsDir: '/etc/nats-certs/cluster',
  gatewayTlsDir: '/etc/nats-certs/gateway',
  websocketTlsDir: '/etc/nats-certs/websocket',
  caDir: '/etc/nats-ca-cert',
  accountsDir: '/etc/nats-accounts',
  storeDir: '/data',
  /** The full resolver's JWT directory: its own PVC, mounted under the store's (the chart's default). */
  resolverDir: '/data/resolver',
} as const;
