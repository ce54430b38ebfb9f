import type { Fleet, SiteSpec } from '../../config/types';
import { jwtResolver, siteMemoryStore, siteNodes } from '../defaults';
import { bytes } from '../quantity';
import type { ConfDoc } from './conf-format';
import { envRef } from './conf-format';
import type { GatewayRemote } from './gateways';
import { gatewayAdvertise, gatewayRemotes, gatewayTls } from './gateways';
import { ENV, GATEWAY_USER, POD_PATHS, PORTS, ROUTE_USER, gatewayUrlEnv, routeUrlEnv } from './names';

/** Where the accounts include lives, relative to the config directory (`$include` paths are). */
export const ACCOUNTS_INCLUDE = `../${POD_PATHS.accountsDir.split('/').pop()}/accounts.conf`;

/** TLS files as the servers see them in the pod. */
export const POD_TLS = {
  cluster: { cert_file: `${POD_PATHS.clusterTlsDir}/tls.crt`, key_file: `${POD_PATHS.clusterTlsDir}/tls.key` },
  gateway: { cert_file: `${POD_PATHS.gatewayTlsDir}/tls.crt`, key_file: `${POD_PATHS.gatewayTlsDir}/tls.key` },
  ca_file: `${POD_PATHS.caDir}/ca.crt`,
} as const;

/**
 * JWT mode's full resolver (auth.resolver 'full'): account JWTs in a
 * directory, kept newest-by-issue-time, synced between servers through the
 * system account. Deleting a JWT is refused (`allow_delete`): an account
 * ends by revocation in a newer JWT, never by a request. `interval` and
 * `timeout` are nats-server's documented defaults, written out so an
 * upgrade cannot change them silently.
 */
export const FULL_RESOLVER = { type: 'full', dir: POD_PATHS.resolverDir, allow_delete: false, interval: '2m', timeout: '1.9s' } as const;

/**
 * The effective configuration of every server of one site, as plain data in
 * the chart's dialect. It is the one source of truth: the site stack turns it
 * into Helm values, the local supercluster and the e2e tests render it to
 * nats.conf with only addresses and file paths rewritten.
 *
 * Secrets never appear here: passwords and the URLs that embed them are
 * environment references, filled from Kubernetes Secrets in a pod and from
 * the session's own material locally.
 */
export function siteServerConfig(fleet: Fleet, site: SiteSpec): ConfDoc {
  const tls = (files: { cert_file: string; key_file: string }) => ({
    ...files,
    ca_file: POD_TLS.ca_file,
    // Routes and gateways authenticate servers: both sides present a
    // certificate chained to the fleet CA.
    verify: true,
    timeout: 5,
  });
  return {
    server_name: envRef(ENV.serverName),
    port: PORTS.client,
    http_port: PORTS.monitor,
    lame_duck_grace_period: '10s',
    lame_duck_duration: '30s',
    cluster: {
      name: site.name,
      port: PORTS.cluster,
      // Clients must not learn pod IPs they cannot reach from outside.
      no_advertise: true,
      routes: Array.from({ length: siteNodes(site) }, (_, i) => envRef(routeUrlEnv(i))),
      authorization: { user: ROUTE_USER, password: envRef(ENV.routePassword), timeout: 5 },
      tls: tls(POD_TLS.cluster),
    },
    gateway: {
      // nats-server refuses to start when the gateway name differs from the cluster name.
      name: site.name,
      port: PORTS.gateway,
      advertise: gatewayAdvertise(site),
      reject_unknown_cluster: true,
      authorization: { user: GATEWAY_USER, password: envRef(ENV.gatewayPassword), timeout: 5 },
      ...(gatewayTls(site) ? { tls: tls(POD_TLS.gateway) } : {}),
      gateways: gatewayRemotes(fleet, site).map((remote) => ({
        name: remote.name,
        urls: remote.urls.map((_, i) => envRef(gatewayUrlEnv(remote.name, i))),
      })),
    },
    // Browsers: TLS with the site's public certificate (sites[].websocket.tlsSecret), the same accounts.
    ...(site.websocket
      ? {
          websocket: {
            port: PORTS.websocket,
            // ca_file as the chart writes it (tlsCA is on); without `verify` it asks browsers for no certificate.
            tls: { cert_file: `${POD_PATHS.websocketTlsDir}/tls.crt`, key_file: `${POD_PATHS.websocketTlsDir}/tls.key`, ca_file: POD_TLS.ca_file },
          },
        }
      : {}),
    jetstream: {
      store_dir: POD_PATHS.storeDir,
      max_file_store: bytes(site.storage.size),
      // The chart defaults the memory store to 0; say so deliberately.
      max_memory_store: bytes(siteMemoryStore(site)),
    },
    ...(jwtResolver(fleet) === 'full' ? { resolver: FULL_RESOLVER } : {}),
    '$include': ACCOUNTS_INCLUDE,
  };
}

/** A URL with the password spliced in by the environment (`$(VAR)` in Kubernetes). */
export function credentialUrl(user: string, passwordExpr: string, host: string, port: number): string {
  return `nats://${user}:${passwordExpr}@${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Remote gateway URLs keyed by the environment variable that carries each. */
export function gatewayUrlVars(remotes: readonly GatewayRemote[], passwordExpr: string): [string, string][] {
  return remotes.flatMap((remote) =>
    remote.urls.map((url, i): [string, string] => [gatewayUrlEnv(remote.name, i), credentialUrl(GATEWAY_USER, passwordExpr, url.host, url.port)]),
  );
}
