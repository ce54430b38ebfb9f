import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fleet, SiteSpec } from '../../config/types';
import { siteNodes } from '../defaults';
import type { IdentityKeys } from '../nats/accounts';
import { renderAccounts } from '../nats/accounts';
import { gatewayRemotes } from '../nats/gateways';
import { ENV, ROUTE_USER, routeUrlEnv, serverName } from '../nats/names';
import { credentialUrl, gatewayUrlVars, siteServerConfig } from '../nats/site-config';
import { renderLocalConf } from '../nats/local-conf';
import type { SecretMaterial } from '../secrets/material';
import { publicKeys } from '../secrets/material';
import { freePorts } from './ports';
import { serverState, superclusterFormed, waitFor } from './readiness';
import { checkNatsServer, spawnServer, stopServer, testConfig } from './nats-server';

const HOST = '127.0.0.1';

const tail = (path: string, lines = 15): string => (existsSync(path) ? readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no log)');

export interface LocalServer {
  readonly site: string;
  readonly index: number;
  readonly name: string;
  readonly ports: { readonly client: number; readonly cluster: number; readonly gateway: number; readonly monitor: number };
  readonly dir: string;
  readonly confPath: string;
  readonly logPath: string;
  readonly storeDir: string;
}

export interface SuperclusterOptions {
  readonly fleet: Fleet;
  /** Passwords, certificates (valid for 127.0.0.1) and identity keys for this run. */
  readonly material: SecretMaterial;
  /** Where to keep configs, logs and JetStream data. @default a new temporary directory, removed by close() */
  readonly dir?: string;
  /** Progress lines. @default silent */
  readonly log?: (line: string) => void;
}

/**
 * The fleet with its gateway addresses rewritten for loopback: one address
 * per server of each site (the deployed fleet lists a load-balanced name and
 * the node addresses), so every remote stays reachable by several URLs.
 */
function loopbackFleet(fleet: Fleet): Fleet {
  return {
    ...fleet,
    sites: fleet.sites.map((site) => ({
      ...site,
      gateway: {
        ...site.gateway,
        advertiseHost: HOST,
        extraHosts: Array.from({ length: siteNodes(site) - 1 }, (_, i) => `server-${i + 1}.${site.name}.invalid`),
      },
    })),
  };
}

/**
 * The fleet's NATS supercluster as nats-server processes on loopback, from
 * the same per-site config the Helm release gets (siteServerConfig), with
 * only addresses and file paths rewritten. Every site's files are written up
 * front, so any subset can start, stop or be wiped and rebuilt.
 */
export class LocalSupercluster {
  readonly servers: readonly LocalServer[];
  private readonly processes = new Map<string, ChildProcess>();
  private readonly stopping = new Set<string>();
  private readonly log: (line: string) => void;

  private constructor(
    readonly fleet: Fleet,
    readonly material: SecretMaterial,
    readonly dir: string,
    private readonly ownsDir: boolean,
    servers: LocalServer[],
    log?: (line: string) => void,
  ) {
    this.servers = servers;
    this.log = log ?? (() => undefined);
  }

  static async create(options: SuperclusterOptions): Promise<LocalSupercluster> {
    checkNatsServer();
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'harmony-local-'));
    const fleet = loopbackFleet(options.fleet);
    const ports = await freePorts(fleet.sites.reduce((n, s) => n + 4 * siteNodes(s), 0));
    const servers = fleet.sites.flatMap((site) =>
      Array.from({ length: siteNodes(site) }, (_, index): LocalServer => {
        const serverDir = join(dir, site.name, String(index));
        const [client, cluster, gateway, monitor] = ports.splice(0, 4);
        return {
          site: site.name,
          index,
          name: serverName(site, index),
          ports: { client, cluster, gateway, monitor },
          dir: serverDir,
          confPath: join(serverDir, 'nats-config', 'nats.conf'),
          logPath: join(serverDir, 'server.log'),
          storeDir: join(serverDir, 'data'),
        };
      }),
    );
    const cluster = new LocalSupercluster(fleet, options.material, dir, options.dir === undefined, servers, options.log);
    cluster.writeFiles();
    return cluster;
  }

  site(name: string): SiteSpec {
    const site = this.fleet.sites.find((s) => s.name === name);
    if (!site) throw new Error(`unknown site "${name}"; the fleet has ${this.fleet.sites.map((s) => s.name).join(', ')}`);
    return site;
  }

  serversOf(site: string): LocalServer[] {
    return this.servers.filter((s) => s.site === site);
  }

  clientUrls(site: string): string[] {
    return this.serversOf(site).map((s) => `nats://${HOST}:${s.ports.client}`);
  }

  isRunning(server: LocalServer): boolean {
    return this.processes.has(server.name);
  }

  /** Environment of one server: its name, passwords, and the URLs that embed them. */
  private env(server: LocalServer): NodeJS.ProcessEnv {
    const site = this.site(server.site);
    const siteSecrets = this.material.sites[site.name];
    const remotes = gatewayRemotes(this.fleet, site).map((remote) => {
      const targets = this.serversOf(remote.name);
      return { ...remote, urls: remote.urls.map((_, i) => ({ host: HOST, port: targets[i].ports.gateway })) };
    });
    return {
      PATH: process.env.PATH,
      [ENV.serverName]: server.name,
      [ENV.routePassword]: siteSecrets.routePassword,
      [ENV.gatewayPassword]: this.material.gatewayPassword,
      ...Object.fromEntries(this.serversOf(site.name).map((peer, i) => [routeUrlEnv(i), credentialUrl(ROUTE_USER, siteSecrets.routePassword, HOST, peer.ports.cluster)])),
      ...Object.fromEntries(gatewayUrlVars(remotes, this.material.gatewayPassword)),
    };
  }

  private writeFiles(): void {
    const accounts = renderAccounts(this.fleet, publicKeys(this.material)).text;
    for (const site of this.fleet.sites) {
      const tlsDir = join(this.dir, site.name, 'tls');
      mkdirSync(tlsDir, { recursive: true });
      const { cert } = this.material.sites[site.name];
      writeFileSync(join(tlsDir, 'ca.crt'), this.material.ca.certPem);
      writeFileSync(join(tlsDir, 'tls.crt'), cert.certPem);
      writeFileSync(join(tlsDir, 'tls.key'), cert.keyPem, { mode: 0o600 });
      const doc = siteServerConfig(this.fleet, site);
      for (const server of this.serversOf(site.name)) {
        mkdirSync(join(server.dir, 'nats-config'), { recursive: true });
        mkdirSync(join(server.dir, 'nats-accounts'), { recursive: true });
        writeFileSync(
          server.confPath,
          renderLocalConf(doc, { host: HOST, ports: server.ports, advertise: `${HOST}:${server.ports.gateway}`, storeDir: server.storeDir, tlsDir }),
        );
        writeFileSync(join(server.dir, 'nats-accounts', 'accounts.conf'), accounts);
      }
    }
  }

  /** Validates every server config with `nats-server -t`. */
  testConfigs(): void {
    for (const server of this.servers) testConfig(server.confPath, this.env(server));
  }

  startServer(server: LocalServer): void {
    if (this.isRunning(server)) return;
    const child = spawnServer(server.confPath, this.env(server), server.logPath);
    this.processes.set(server.name, child);
    child.once('exit', (code, signal) => {
      this.processes.delete(server.name);
      if (!this.stopping.has(server.name)) this.log(`${server.name} exited unexpectedly (${code ?? signal}); see ${server.logPath}`);
      this.stopping.delete(server.name);
    });
  }

  async stopServer(server: LocalServer): Promise<void> {
    const child = this.processes.get(server.name);
    if (!child) return;
    this.stopping.add(server.name);
    await stopServer(child);
  }

  startSite(site: string): void {
    this.log(`starting ${site} (${this.serversOf(site).length} servers)`);
    for (const server of this.serversOf(site)) this.startServer(server);
  }

  /** Stops a site; with `wipe`, its JetStream storage is gone as after losing the site's disks. */
  async stopSite(site: string, options: { wipe?: boolean } = {}): Promise<void> {
    await Promise.all(this.serversOf(site).map((s) => this.stopServer(s)));
    if (options.wipe) for (const server of this.serversOf(site)) rmSync(server.storeDir, { recursive: true, force: true });
  }

  /**
   * Re-renders the accounts include (after a key rotation) and makes every
   * running server reload it, as the chart's config reloader does in a pod.
   */
  reloadAccounts(keys: IdentityKeys): void {
    // Servers need only public keys; passwords and certificates do not change with a rotation.
    const accounts = renderAccounts(this.fleet, keys).text;
    for (const server of this.servers) writeFileSync(join(server.dir, 'nats-accounts', 'accounts.conf'), accounts);
    for (const child of this.processes.values()) child.kill('SIGHUP');
  }

  /**
   * Waits until the running servers form one supercluster (see
   * superclusterFormed). Fails fast, with the end of its log, when a server
   * exits meanwhile.
   */
  async waitReady(timeoutMs = 30_000): Promise<void> {
    const running = this.servers.filter((s) => this.isRunning(s));
    await waitFor(
      `${running.length} servers to form one supercluster`,
      () =>
        Promise.all(
          running.map(async (server) => {
            if (!this.isRunning(server)) throw new Error(`${server.name} exited:\n${tail(server.logPath)}`);
            return { site: server.site, name: server.name, state: await serverState(server) };
          }),
        ),
      superclusterFormed,
      timeoutMs,
    );
    this.log(`supercluster formed: ${[...new Set(running.map((s) => s.site))].join(', ')}`);
  }

  /** Stops every server and removes the directory this instance created. */
  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => this.stopServer(s)));
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
