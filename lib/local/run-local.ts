import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Fleet } from '../../config/types';
import { connectAs } from '../kv/connect';
import { provisionBucket } from '../kv/provision';
import { LOCAL_SANS } from '../nats/certificates';
import { inboxPrefix } from '../nats/permissions';
import { issueCertificate } from '../pki';
import type { SecretMaterial } from '../secrets/material';
import { mintMaterial } from '../secrets/material';
import { formatCreds } from '../secrets/jwt-commands';
import { readStore } from '../secrets/store';
import { LocalSupercluster } from './supercluster';

export interface LocalRunOptions {
  readonly fleet: Fleet;
  /** Start only these sites. @default every site */
  readonly sites?: readonly string[];
  /** An age identity that decrypts secrets/nats.age: run with the fleet's real identities. @default session-minted material */
  readonly ageIdentity?: string;
  readonly log: (line: string) => void;
}

/**
 * Session material: freshly minted, or the real store's identities and
 * passwords with certificates re-issued by the real CA for loopback (the
 * deployed certificates name the sites' public addresses).
 */
export function localMaterial(fleet: Fleet, ageIdentity?: string): SecretMaterial {
  if (!ageIdentity) return mintMaterial(fleet, () => LOCAL_SANS);
  const real = readStore(ageIdentity);
  return {
    ...real,
    sites: Object.fromEntries(Object.entries(real.sites).map(([name, site]) => [name, { ...site, cert: issueCertificate(real.ca, `nats ${name} (local)`, LOCAL_SANS) }])),
  };
}

/**
 * The fleet cut down to `sites`. A site configured with gateways to sites
 * that never come up elects no JetStream meta leader (verified on 2.9.10:
 * the cold-start guard against a split brain), so a subset runs as a
 * supercluster of its own; the bucket moves home when its home is left out.
 */
export function subsetFleet(fleet: Fleet, sites: readonly string[]): Fleet {
  if (sites.length === fleet.sites.length) return fleet;
  const kv = fleet.account.kv;
  return {
    ...fleet,
    sites: fleet.sites.filter((s) => sites.includes(s.name)),
    account: { ...fleet.account, kv: { ...kv, homeSite: sites.includes(kv.homeSite) ? kv.homeSite : sites[0] } },
  };
}

/** What an operator needs to talk to the running supercluster. */
export interface LocalSession {
  readonly cluster: LocalSupercluster;
  /** The agent's credentials: its seed (nkeys mode) or a creds file with its user JWT (JWT mode). */
  readonly agentSeedFile: string;
  /** The natscli flag that takes that file: `--nkey` or `--creds`. */
  readonly agentFileFlag: '--nkey' | '--creds';
  readonly sites: readonly string[];
}

/**
 * Brings the fleet's supercluster up on loopback, waits until it is one
 * supercluster with a meta leader, and provisions the KV bucket with the
 * provisioning identity through the deployment's own code path. On any
 * failure it stops what it started and removes its files before rethrowing.
 */
export async function startLocal(options: LocalRunOptions): Promise<LocalSession> {
  const { log } = options;
  const sites = options.sites ?? options.fleet.sites.map((s) => s.name);
  for (const site of sites) {
    if (!options.fleet.sites.some((s) => s.name === site)) throw new Error(`--sites: unknown site "${site}"; the fleet has ${options.fleet.sites.map((s) => s.name).join(', ')}`);
  }
  const fleet = subsetFleet(options.fleet, sites);
  log(options.ageIdentity ? 'using the fleet identities from secrets/nats.age' : 'minting session keys and certificates');
  const material = localMaterial(fleet, options.ageIdentity);
  const cluster = await LocalSupercluster.create({ fleet, material, log });
  try {
    cluster.testConfigs();
    for (const site of sites) cluster.startSite(site);
    log(`waiting for gateways and a JetStream meta leader (${sites.length} sites)`);
    await cluster.waitReady(90_000);
    if (sites.length < options.fleet.sites.length) log(`a supercluster of ${sites.join(', ')} only; the bucket's home is ${fleet.account.kv.homeSite}`);
    const provisioner = await connectAs('provisioner', cluster.clientUrls(sites[0]), cluster.credentials('provisioner'), 'harmony-local-provisioner');
    try {
      const actions = await provisionBucket(provisioner, cluster.fleet);
      for (const [stream, action] of actions) log(`${stream}: ${action}`);
    } finally {
      await provisioner.close();
    }
    // JWT mode: natscli takes a user JWT only inside a creds file.
    const agent = cluster.credentials('agent');
    const agentSeedFile = join(cluster.dir, agent.jwt ? 'agent.creds' : 'agent.nk');
    writeFileSync(agentSeedFile, agent.jwt ? formatCreds(agent.jwt, agent.seed) : agent.seed + '\n', { mode: 0o600 });
    return { cluster, agentSeedFile, agentFileFlag: agent.jwt ? '--creds' : '--nkey', sites };
  } catch (e) {
    await cluster.close();
    throw e;
  }
}

/** The ready banner: client URLs per site and a connection context for the agent. */
export function readyBanner(session: LocalSession): string {
  const lines = ['', 'ready: the supercluster is up', ''];
  for (const site of session.sites) lines.push(`  ${site.padEnd(12)} ${session.cluster.clientUrls(site).join(',')}`);
  const urls = session.sites.flatMap((s) => session.cluster.clientUrls(s)).join(',');
  lines.push(
    '',
    'agent context (HARMONY account, KV bucket HARMONY):',
    `  nats context save harmony-local --server ${urls} ${session.agentFileFlag} ${session.agentSeedFile} --inbox-prefix ${inboxPrefix('agent')}`,
    `  NATS_URL=${urls} ${session.agentFileFlag === '--creds' ? 'NATS_CREDS' : 'NATS_NKEY'}=${session.agentSeedFile}   (clients must use the inbox prefix ${inboxPrefix('agent')}: the only replies the agent may subscribe to)`,
    '',
    'Ctrl-C stops every server and removes ' + session.cluster.dir,
  );
  return lines.join('\n');
}
