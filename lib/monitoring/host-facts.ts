import type { MgmtHostSpec } from '../../config/mgmt-types';
import type { AlertReceiverSpec } from '../../config/ops-types';
import type { KvSnapshotSpec, SiteSpec } from '../../config/types';
import { metricsTarget } from '../../constructs/site-metrics';
import { backupOnCalendar, gatewayPort, retention, siteNodes } from '../defaults';

/** One NATS server's exporter, as the mgmt host's Prometheus scrapes it (job `nats`). */
export interface NatsTarget {
  readonly site: string;
  readonly server: string;
  /** `host:port` */
  readonly target: string;
}

/** One site's gateway, probed over TLS for the certificate's expiry (job `nats-gateway-tls`). */
export interface GatewayTarget {
  readonly site: string;
  readonly target: string;
}

/** What nix/modules/backup.nix reads from hostFacts.backup. */
export interface BackupFacts {
  readonly repository: string;
  readonly onCalendar: string;
  readonly keep: { readonly daily: number; readonly weekly: number; readonly monthly: number };
}

/** What nix/modules/kv-snapshot-check.nix reads from hostFacts.kvSnapshots: where the home site ships the KV snapshots. */
export interface KvSnapshotsFacts {
  readonly repository: string;
}

/** What nix/modules/monitoring.nix reads from hostFacts.monitoring. */
export interface MonitoringFacts {
  readonly receiver: AlertReceiverSpec;
  readonly natsTargets: readonly NatsTarget[];
  readonly gatewayTargets: readonly GatewayTarget[];
}

const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

export function backupFacts(host: MgmtHostSpec): BackupFacts {
  return { repository: host.backup.repository, onCalendar: backupOnCalendar(host.backup), keep: retention(host.backup.keep) };
}

/** The host only reads the repository (to watch the snapshots' age), with its own read-only credentials. */
export function kvSnapshotsFacts(snapshots: KvSnapshotSpec): KvSnapshotsFacts {
  return { repository: snapshots.repository };
}

/**
 * Every site is a target whether or not it publishes metrics yet: a site
 * the mgmt host cannot scrape shows as down and alerts, it is never left
 * out. Gateways without TLS (private ones) have no certificate to watch.
 */
export function monitoringFacts(host: MgmtHostSpec, sites: readonly SiteSpec[]): MonitoringFacts {
  return {
    receiver: host.monitoring.receiver,
    natsTargets: sites.flatMap((site) => Array.from({ length: siteNodes(site) }, (_, i) => ({ site: site.name, server: `nats-${i}`, target: metricsTarget(site, i) }))),
    gatewayTargets: sites.filter((s) => s.gateway.tls ?? true).map((site) => ({ site: site.name, target: hostPort(site.gateway.advertiseHost, gatewayPort(site)) })),
  };
}
