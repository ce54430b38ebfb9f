import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Fleet } from '../../config/types';
import { siteNodes } from '../../lib/defaults';
import { spawnServer, stopServer, testConfig } from '../../lib/local/nats-server';
import { renderAccounts } from '../../lib/nats/accounts';
import { renderLocalConf } from '../../lib/nats/local-conf';
import { ENV, ROUTE_USER, routeUrlEnv, serverName } from '../../lib/nats/names';
import { credentialUrl, siteServerConfig } from '../../lib/nats/site-config';
import type { KeyPairPem } from '../../lib/pki';
import type { SecretMaterial } from '../../lib/secrets/material';
import { publicKeys } from '../../lib/secrets/material';
import { acceptsConnections, freeLoopbackPort } from './loopback-port';

export interface GatewayServerOptions {
  readonly fleet: Fleet;
  /** The site whose server config is rendered (its first server). */
  readonly site: string;
  readonly material: SecretMaterial;
  /** The nats-server binary. */
  readonly bin: string;
  /** Where config, TLS files, data and the log go; created if missing. */
  readonly dir: string;
  /**
   * The certificate the server presents on routes and gateways.
   * @default the site's certificate from `material`
   */
  readonly cert?: KeyPairPem;
  /**
   * Keep the gateway's TLS block; false removes it (a gateway without TLS).
   * @default true
   */
  readonly gatewayTls?: boolean;
}

export interface GatewayServer {
  /** `127.0.0.1:<port>`: the gateway listener. */
  readonly gatewayAddress: string;
  readonly logPath: string;
  /** The server's log so far. */
  readonly log: () => string;
  readonly stop: () => Promise<void>;
}

/**
 * One server of a site with the deployed server config (siteServerConfig,
 * rendered by renderLocalConf like the local supercluster: only listen
 * addresses and file paths rewritten), every listener on 127.0.0.1. It is
 * alone: its routes point at itself and at unused ports of 127.0.0.1, its
 * remote gateways are removed, so it dials nothing off this host. Resolves
 * once the gateway port accepts connections; stop() ends it.
 */
export async function startGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const site = options.fleet.sites.find((s) => s.name === options.site);
  if (!site) throw new Error(`unknown site "${options.site}"`);
  const ports = { client: await freeLoopbackPort(), cluster: await freeLoopbackPort(), gateway: await freeLoopbackPort(), monitor: await freeLoopbackPort() };
  const tlsDir = join(options.dir, 'tls');
  const confPath = join(options.dir, 'nats-config', 'nats.conf');
  const logPath = join(options.dir, 'server.log');
  for (const d of [tlsDir, join(options.dir, 'nats-config'), join(options.dir, 'nats-accounts')]) mkdirSync(d, { recursive: true });
  const cert = options.cert ?? options.material.sites[site.name].cert;
  writeFileSync(join(tlsDir, 'ca.crt'), options.material.ca.certPem);
  writeFileSync(join(tlsDir, 'tls.crt'), cert.certPem);
  writeFileSync(join(tlsDir, 'tls.key'), cert.keyPem, { mode: 0o600 });
  writeFileSync(join(options.dir, 'nats-accounts', 'accounts.conf'), renderAccounts(options.fleet, publicKeys(options.material)).text);

  const doc = structuredClone(siteServerConfig(options.fleet, site)) as { gateway: Record<string, unknown> } & Record<string, unknown>;
  delete doc.gateway.gateways;
  if (options.gatewayTls === false) delete doc.gateway.tls;
  writeFileSync(
    confPath,
    renderLocalConf(doc as unknown as Parameters<typeof renderLocalConf>[0], {
      host: '127.0.0.1',
      ports: { ...ports, websocket: 0 },
      advertise: `127.0.0.1:${ports.gateway}`,
      storeDir: join(options.dir, 'data'),
      tlsDir,
    }),
  );
  const routePassword = options.material.sites[site.name].routePassword;
  // nats-server refuses duplicate route URLs: the first is this server, the
  // others ports on 127.0.0.1 where nothing listens (its peers, never started).
  const routePorts = [ports.cluster, ...(await Promise.all(Array.from({ length: siteNodes(site) - 1 }, () => freeLoopbackPort())))];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    [ENV.serverName]: serverName(site, 0),
    [ENV.routePassword]: routePassword,
    [ENV.gatewayPassword]: options.material.gatewayPassword,
    ...Object.fromEntries(routePorts.map((port, i) => [routeUrlEnv(i), credentialUrl(ROUTE_USER, routePassword, '127.0.0.1', port)])),
  };
  testConfig(confPath, env, options.bin);

  const child: ChildProcess = spawnServer(confPath, env, logPath, options.bin);
  const log = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  const stop = () => stopServer(child);
  const deadline = Date.now() + 15_000;
  while (!(await acceptsConnections(ports.gateway))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nats-server exited (${child.exitCode ?? child.signalCode}):\n${log().split('\n').slice(-15).join('\n')}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nats-server's gateway did not listen on 127.0.0.1:${ports.gateway} within 15 s:\n${log().split('\n').slice(-15).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { gatewayAddress: `127.0.0.1:${ports.gateway}`, logPath, log, stop };
}
