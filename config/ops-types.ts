/**
 * Keeping the platform alive: off-host backups, monitoring and alerts
 * (docs/dr.md). Part of the fleet description (config/types.ts).
 */

/** How many snapshots restic keeps (`restic forget --keep-*`). */
export interface RetentionSpec {
  /** @default 7 */
  readonly daily?: number;
  /** @default 5 */
  readonly weekly?: number;
  /** @default 12 */
  readonly monthly?: number;
}

/**
 * A restic repository outside every site and outside the mgmt host. Its
 * password and credentials are secrets, never in the fleet (see the README's
 * secrets table).
 */
export interface OffHostRepositorySpec {
  /**
   * The restic repository URL: `s3:https://<endpoint>/<bucket>/<path>`
   * (Hetzner Object Storage, any S3), `rest:https://...`, `b2:`, `azure:`,
   * `gs:`, `swift:`, or (mgmt host only) `sftp:` (e.g. a Hetzner Storage
   * Box). Not a local path: a backup on the host it protects dies with it.
   */
  readonly repository: string;
  /**
   * Snapshots kept after each run.
   * @default daily 7, weekly 5, monthly 12
   */
  readonly keep?: RetentionSpec;
}

/** Off-host backups of the mgmt host: PostgreSQL, LLDAP and Authelia state. */
export interface MgmtBackupSpec extends OffHostRepositorySpec {
  /**
   * When the backup runs, a systemd OnCalendar expression. The backup-age
   * alert fires 26 hours after the last good one, so run at least daily.
   * @default "*-*-* 03:15:00" (daily, UTC)
   */
  readonly onCalendar?: string;
}

/** Where Alertmanager sends alerts. */
export type AlertReceiverSpec =
  | {
      readonly kind: 'email';
      /** Recipient address, e.g. `oncall@example.org`. */
      readonly to: string;
      /** Sender address. */
      readonly from: string;
      /** SMTP submission server `host:port`, e.g. `smtp.example.org:587` (STARTTLS required). */
      readonly smarthost: string;
      /**
       * SMTP user; its password is the agenix secret
       * `alertmanager-smtp-password`.
       * @default unset: no SMTP authentication
       */
      readonly username?: string;
    }
  | {
      /**
       * An HTTP webhook (Alertmanager's webhook format). The URL usually
       * carries a token, so it is the agenix secret
       * `alertmanager-webhook-url`, not part of the fleet.
       */
      readonly kind: 'webhook';
    };

/** Prometheus and Alertmanager on the mgmt host: it watches every site and never depends on one. */
export interface MonitoringSpec {
  /** Where alerts go. */
  readonly receiver: AlertReceiverSpec;
  /**
   * The mgmt host's public addresses, as CIDRs (`<ipv4>/32`,
   * `<ipv6>/64`): every site lets only these reach its metrics ports (the
   * exporter serves without authentication). Known after the mgmt stack's
   * first deploy (its outputs). Until set, the sites expose no metrics
   * and the alert HarmonySiteMetricsDown fires for each: unmonitored is
   * never silent.
   * @default unset
   */
  readonly scrapeFrom?: readonly string[];
}
