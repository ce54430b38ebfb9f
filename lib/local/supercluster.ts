import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fleet, SiteSpec } from '../../config/types';
import { gatewayHosts, siteNodes } from '../defaults';
import { issueCertificate } from '../pki';
import type { IdentityKeys } from '../nats/accounts';
import { renderAccounts } from '../nats/accounts';
import type { JwtBundle } from '../nats/jwt-bundle';
import { mintJwts, renderJwtAccounts } from '../nats/jwt-bundle';
import { authMode, jwtResolver } from '../defaults';
import type { UserCredential } from '../kv/connect';
import { gatewayRemotes } from '../nats/gateways';
import { ENV, ROUTE_USER, routeUrlEnv, serverName } from '../nats/names';
import { credentialUrl, gatewayUrlVars, siteServerConfig } from '../nats/site-config';
import { renderLocalConf } from '../nats/local-conf';
import type { SecretMaterial } from '../secrets/material';
import { currentKey, publicKeys } from '../secrets/material';
import type { LoopbackBlock } from './loopback';
import { LOCAL_PORTS, claimLoopbackBlock } from './loopback';
import { missingMetaPeers, serverState, superclusterFormed, waitFor } from './readiness';
import { checkNatsServer, spawnServer, stopServer, testConfig } from './nats-server';


const tail = (path: string, lines = 15): string => (existsSync(path) ? readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no log)');

export interface LocalServer {
  readonly site: string;
  readonly index: number;
  readonly name: string;
  /** Its own loopback address (127.a.b.n): every port below is bound there. */
  readonly host: string;
  /** `http://<host>:<monitor port>` */
  readonly monitorUrl: string;
  readonly ports: { readonly client: number; readonly cluster: number; readonly gateway: number; readonly monitor: number; readonly websocket: number };
  readonly dir: string;
  readonly confPath: string;
  readonly logPath: string;
  readonly storeDir: string;
}

export interface SuperclusterOptions {
  readonly fleet: Fleet;
  /**
   * Passwords, the CA and identity keys for this run. The sites'
   * certificates are re-issued by its CA for the servers' loopback
   * addresses (a deployed certificate names the sites' public addresses).
   */
  readonly material: SecretMaterial;
  /** Where to keep configs, logs and JetStream data. @default a new temporary directory, removed by close() */
  readonly dir?: string;
  /** Progress lines. @default silent */
  readonly log?: (line: string) => void;
  /**
   * JWT mode (fleet.auth.mode 'jwt'): the tokens the servers load and the
   * clients present.
   * @default minted now from `material.jwt`
   */
  readonly jwts?: JwtBundle;
}

/**
 * The fleet with its gateway addresses rewritten for loopback: each remote
 * keeps exactly as many addresses as the fleet lists (the meta-group size
 * every server expects at first boot counts them), each a distinct address:
 * the i-th that of the site's i-th server, any beyond the server count an
 * address nothing listens on (as a node without a server would be).
 */
function loopbackFleet(fleet: Fleet, addressOf: (site: string, index: number) => string, spare: (site: string, index: number) => string): Fleet {
  return {
    ...fleet,
    sites: fleet.sites.map((site) => {
      const [advertiseHost, ...extraHosts] = gatewayHosts(site).map((_, i) => (i < siteNodes(site) ? addressOf(site.name, i) : spare(site.name, i)));
      return { ...site, gateway: { ...site.gateway, advertiseHost, extraHosts, port: LOCAL_PORTS.gateway } };
    }),
  };
}

/** `material` with each site's certificate re-issued by its CA for the loopback addresses of that site's servers. */
function withLoopbackCertificates(material: SecretMaterial, fleet: Fleet, hostsOf: (site: string) => string[]): SecretMaterial {
  return {
    ...material,
    sites: Object.fromEntries(
      fleet.sites.map((site) => [
        site.name,
        { ...material.sites[site.name], cert: issueCertificate(material.ca, `nats ${site.name} (local)`, { dnsNames: ['localhost'], ips: hostsOf(site.name) }) },
      ]),
    ),
  };
}

function jwtSeeds(material: SecretMaterial) {
  if (!material.jwt) throw new Error('the fleet is in JWT mode (fleet.auth.mode) but the secret material has no JWT keys; run `npm run keys -- sync` to mint them');
  return material.jwt;
}

/** Every supercluster of this process not yet closed: what a signal handler must stop (closeAllClusters). */
const live = new Set<LocalSupercluster>();

/** Stops every supercluster this process started and removes their files: for signal and error handlers. */
export async function closeAllClusters(): Promise<void> {
  await Promise.all([...live].map((c) => c.close()));
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
  private currentJwts: JwtBundle | undefined;

  private constructor(
    readonly fleet: Fleet,
    readonly material: SecretMaterial,
    readonly dir: string,
    private readonly ownsDir: boolean,
    servers: LocalServer[],
    private readonly block: LoopbackBlock,
    log?: (line: string) => void,
    jwts?: JwtBundle,
  ) {
    this.servers = servers;
    this.currentJwts = jwts;
    this.log = log ?? (() => undefined);
  }

  static async create(options: SuperclusterOptions): Promise<LocalSupercluster> {
    checkNatsServer();
    const block = await claimLoopbackBlock();
    try {
      const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'harmony-local-'));
      const order = options.fleet.sites.flatMap((site) => Array.from({ length: siteNodes(site) }, (_, index) => ({ site: site.name, index })));
      const addressOf = (site: string, index: number) => block.address(order.findIndex((o) => o.site === site && o.index === index));
      // Spare addresses after the servers', 16 per site.
      const spare = (site: string, index: number) => block.address(order.length + 16 * options.fleet.sites.findIndex((s) => s.name === site) + (index % 16));
      const fleet = loopbackFleet(options.fleet, addressOf, spare);
      const servers = fleet.sites.flatMap((site) =>
        Array.from({ length: siteNodes(site) }, (_, index): LocalServer => {
          const serverDir = join(dir, site.name, String(index));
          const host = addressOf(site.name, index);
          return {
            site: site.name,
            index,
            name: serverName(site, index),
            host,
            monitorUrl: `http://${host}:${LOCAL_PORTS.monitor}`,
            ports: { ...LOCAL_PORTS },
            dir: serverDir,
            confPath: join(serverDir, 'nats-config', 'nats.conf'),
            logPath: join(serverDir, 'server.log'),
            storeDir: join(serverDir, 'data'),
          };
        }),
      );
      const material = withLoopbackCertificates(options.material, fleet, (site) => servers.filter((s) => s.site === site).map((s) => s.host));
      const jwts = authMode(fleet) === 'jwt' ? (options.jwts ?? mintJwts(fleet, publicKeys(material), jwtSeeds(material), Math.floor(Date.now() / 1000))) : undefined;
      const cluster = new LocalSupercluster(fleet, material, dir, options.dir === undefined, servers, block, options.log, jwts);
      // From here on, closeAllClusters() cleans it up, whatever happens next.
      live.add(cluster);
      options.log?.(`working directory ${dir}`);
      cluster.writeFiles();
      return cluster;
    } catch (e) {
      await block.release();
      throw e;
    }
  }

  site(name: string): SiteSpec {
    const site = this.fleet.sites.find((s) => s.name === name);
    if (!site) throw new Error(`unknown site "${name}"; the fleet has ${this.fleet.sites.map((s) => s.name).join(', ')}`);
    return site;
  }

  serversOf(site: string): LocalServer[] {
    return this.servers.filter((s) => s.site === site);
  }

  /** `wss://` URLs of a site's servers (sites[].websocket; locally with the site's fleet-CA certificate). */
  websocketUrls(site: string): string[] {
    if (!this.site(site).websocket) throw new Error(`site ${site} has no websocket listener (sites[].websocket)`);
    return this.serversOf(site).map((s) => `wss://${s.host}:${s.ports.websocket}`);
  }

  clientUrls(site: string): string[] {
    return this.serversOf(site).map((s) => `nats://${s.host}:${s.ports.client}`);
  }

  isRunning(server: LocalServer): boolean {
    return this.processes.has(server.name);
  }

  /** Environment of one server: its name, passwords, and the URLs that embed them. */
  private env(server: LocalServer): NodeJS.ProcessEnv {
    const site = this.site(server.site);
    const siteSecrets = this.material.sites[site.name];
    // The fleet was rewritten to loopback addresses: the URLs are the deployed ones, address for address.
    const remotes = gatewayRemotes(this.fleet, site);
    return {
      PATH: process.env.PATH,
      [ENV.serverName]: server.name,
      [ENV.routePassword]: siteSecrets.routePassword,
      [ENV.gatewayPassword]: this.material.gatewayPassword,
      ...Object.fromEntries(this.serversOf(site.name).map((peer, i) => [routeUrlEnv(i), credentialUrl(ROUTE_USER, siteSecrets.routePassword, peer.host, peer.ports.cluster)])),
      ...Object.fromEntries(gatewayUrlVars(remotes, this.material.gatewayPassword)),
    };
  }

  /** JWT mode's tokens as the servers have them now. @throws in nkeys mode */
  get jwts(): JwtBundle {
    if (!this.currentJwts) throw new Error('the fleet is in nkeys mode (fleet.auth): there are no JWTs');
    return this.currentJwts;
  }

  /** What `identity`'s current key connects with: its seed, and in JWT mode its user JWT. */
  credentials(identity: string): UserCredential {
    const key = currentKey(this.material, identity);
    if (!this.currentJwts) return { seed: key.seed };
    const keys = publicKeys(this.material)[identity] ?? [];
    return { seed: key.seed, jwt: this.currentJwts.users[identity]?.[keys.indexOf(key.publicKey)] };
  }

  /** The accounts include for the fleet's auth mode. */
  private accountsText(keys: IdentityKeys): string {
    return this.currentJwts ? renderJwtAccounts(this.currentJwts, jwtResolver(this.fleet)).text : renderAccounts(this.fleet, keys).text;
  }

  private writeFiles(): void {
    const accounts = this.accountsText(publicKeys(this.material));
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
          renderLocalConf(doc, { host: server.host, ports: server.ports, advertise: `${server.host}:${server.ports.gateway}`, storeDir: server.storeDir, tlsDir }),
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
    this.writeAccountsAndReload(renderAccounts(this.fleet, keys).text);
  }

  /**
   * JWT mode: loads new tokens (a revocation, a signing-key change, new
   * limits) into every running server's MEMORY resolver by a reload.
   */
  reloadJwts(jwts: JwtBundle): void {
    this.currentJwts = jwts;
    this.writeAccountsAndReload(renderJwtAccounts(jwts, jwtResolver(this.fleet)).text);
  }

  /**
   * Moves every server from static nkeys to JWT mode (docs/jwt-migration.md):
   * a reload cannot (nats-server: "config reload not supported for
   * SystemAccount"), and a server of one mode cannot route to one of the
   * other (the system account's name differs), so every running server is
   * stopped, then all are started on the JWT include, as deleting every
   * NATS pod of every site does.
   */
  async switchToJwt(jwts: JwtBundle): Promise<void> {
    const running = this.servers.filter((s) => this.isRunning(s));
    await Promise.all(running.map((s) => this.stopServer(s)));
    this.currentJwts = jwts;
    this.writeAccounts(renderJwtAccounts(jwts, jwtResolver(this.fleet)).text);
    for (const server of running) this.startServer(server);
  }

  private writeAccounts(accounts: string): void {
    for (const server of this.servers) writeFileSync(join(server.dir, 'nats-accounts', 'accounts.conf'), accounts);
  }

  private writeAccountsAndReload(accounts: string): void {
    this.writeAccounts(accounts);
    for (const child of this.processes.values()) child.kill('SIGHUP');
  }

  /**
   * Waits until the running servers form one supercluster (see
   * superclusterFormed). Fails fast, with the end of its log, when a server
   * exits meanwhile. Resolves to the servers it had to restart (below).
   */
  async waitReady(timeoutMs = 30_000): Promise<string[]> {
    const running = this.servers.filter((s) => this.isRunning(s));
    // A server the meta leader still does not count 10 s after everything else formed is restarted, once:
    // on 2.10 it can stay outside the meta group for minutes (missingMetaPeers), and its restart is what an operator would do.
    let missingSince: number | undefined;
    const restarted = new Set<string>();
    await waitFor(
      `${running.length} servers to form one supercluster`,
      async () => {
        const states = await Promise.all(
          running.map(async (server) => {
            if (!this.isRunning(server)) throw new Error(`${server.name} exited:\n${tail(server.logPath)}`);
            return { site: server.site, name: server.name, state: await serverState(server) };
          }),
        );
        const missing = missingMetaPeers(states).filter((name) => !restarted.has(name));
        missingSince = missing.length === 0 ? undefined : (missingSince ?? Date.now());
        if (missingSince !== undefined && Date.now() - missingSince > 10_000) {
          for (const server of running.filter((s) => missing.includes(s.name))) {
            this.log(`${server.name} is not in the JetStream meta group 10 s after the supercluster formed: restarting it`);
            restarted.add(server.name);
            await this.stopServer(server);
            this.startServer(server);
          }
          missingSince = undefined;
        }
        return states;
      },
      superclusterFormed,
      timeoutMs,
    );
    this.log(`supercluster formed: ${[...new Set(running.map((s) => s.site))].join(', ')}`);
    return [...restarted];
  }

  /** Stops every server, removes the directory this instance created and gives back its loopback block. */
  async close(): Promise<void> {
    live.delete(this);
    try {
      await Promise.all(this.servers.map((s) => this.stopServer(s)));
    } finally {
      if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
      await this.block.release();
    }
  }
}
