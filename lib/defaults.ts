import { isIP } from 'node:net';
import type { Fleet, KvBucketSpec, KvSnapshotSpec, MgmtBackupSpec, RetentionSpec, SiteSpec } from '../config/types';
import { DEFAULT_NATS_VERSION } from './nats/versions';

/**
 * Each documented `@default` of the fleet, applied where it is read, in one
 * place so a default is decided once.
 */
export const siteNodes = (site: SiteSpec): number => site.nodes ?? 3;
export const siteNamespace = (site: SiteSpec): string => site.namespace ?? 'nats';
export const siteMemoryStore = (site: SiteSpec): string => site.memoryStore ?? '0';
export const gatewayPort = (site: SiteSpec): number => site.gateway.port ?? 7222;
export const gatewayExposure = (site: SiteSpec): 'LoadBalancer' | 'NodePort' => site.gateway.exposure ?? 'LoadBalancer';
export const gatewayHosts = (site: SiteSpec): readonly string[] => [site.gateway.advertiseHost, ...(site.gateway.extraHosts ?? [])];
export const accountName = (fleet: Fleet): string => fleet.account.name ?? 'HARMONY';
export const agentNamespace = (fleet: Fleet): string => fleet.account.agentNamespace ?? 'harmony';
export const bucketName = (kv: KvBucketSpec): string => kv.bucket ?? 'HARMONY';
export const bucketReplicas = (kv: KvBucketSpec): number => kv.replicas ?? 3;
export const mirrorReplicas = (kv: KvBucketSpec): number => kv.mirrorReplicas ?? 1;
export const bucketHistory = (kv: KvBucketSpec): number => kv.history ?? 5;
export const bucketMaxConsumers = (kv: KvBucketSpec): number => kv.maxConsumers ?? 32;
export const siteResources = (site: SiteSpec) => ({
  cpu: site.resources?.cpu ?? '250m',
  memory: site.resources?.memory ?? '512Mi',
  memoryLimit: site.resources?.memoryLimit ?? '1Gi',
});
export const natsVersion = (fleet: Fleet): string => fleet.nats?.version ?? DEFAULT_NATS_VERSION;
export const authMode = (fleet: Fleet): 'nkeys' | 'jwt' => fleet.auth?.mode ?? 'nkeys';
/** JWT mode's account resolver (auth.resolver); undefined in nkeys mode. */
export const jwtResolver = (fleet: Fleet): 'memory' | 'full' | undefined => (fleet.auth?.mode === 'jwt' ? (fleet.auth.resolver ?? 'memory') : undefined);
/** JWT mode's keys and tokens exist: in JWT mode, and in nkeys mode while preparing the move to it (auth.prepareJwt). */
export const issuesJwts = (fleet: Fleet): boolean => fleet.auth?.mode === 'jwt' || (fleet.auth?.mode === 'nkeys' && fleet.auth.prepareJwt === true);
export const siteSpread = (site: SiteSpec) => ({
  topologyKey: site.spread?.topologyKey ?? 'kubernetes.io/hostname',
  whenUnsatisfiable: site.spread?.whenUnsatisfiable ?? 'DoNotSchedule',
});
/** The other sites' addresses that may reach `site`'s gateway: as the fleet says, else their gateway IPs. */
export const gatewayPeerSourceRanges = (fleet: Fleet, site: SiteSpec): readonly string[] =>
  site.gateway.peerSourceRanges ??
  fleet.sites
    .filter((s) => s !== site)
    .flatMap(gatewayHosts)
    .filter((h) => isIP(h) !== 0)
    .map((ip) => (isIP(ip) === 4 ? `${ip}/32` : `${ip}/128`));
/**
 * Everything the gateway Service admits: the peers, and the mgmt host
 * (`monitoring.scrapeFrom`), whose TLS probe reads the certificate's
 * expiry. The mgmt host holds neither the gateway password nor a
 * certificate of the fleet CA, so it cannot join.
 */
export const gatewaySourceRanges = (fleet: Fleet, site: SiteSpec): readonly string[] => [...gatewayPeerSourceRanges(fleet, site), ...(fleet.mgmt.monitoring.scrapeFrom ?? [])];
/** The first metrics port of a site (server i on port + i); undefined for a NodePort site that sets none (a validation error). */
export const metricsPort = (site: SiteSpec): number | undefined => site.metrics?.port ?? (gatewayExposure(site) === 'LoadBalancer' ? 7777 : undefined);
export const retention = (keep: RetentionSpec | undefined) => ({ daily: keep?.daily ?? 7, weekly: keep?.weekly ?? 5, monthly: keep?.monthly ?? 12 });
export const backupOnCalendar = (backup: MgmtBackupSpec): string => backup.onCalendar ?? '*-*-* 03:15:00';
export const snapshotSchedule = (snapshots: KvSnapshotSpec): string => snapshots.schedule ?? '17 * * * *';
/** The restic backend of a repository URL (`s3:https://...` is `s3`), or undefined for a plain path. */
export const repositoryScheme = (repository: string): string | undefined => /^([a-z0-9]+):/.exec(repository)?.[1];
