import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { CronJobV1 } from '@cdktf/provider-kubernetes/lib/cron-job-v1';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { Fleet, SiteSpec } from '../config/types';
import { authMode, retention, snapshotSchedule } from '../lib/defaults';
import { kvLayout } from '../lib/nats/kv-placement';
import { PORTS, RELEASE_NAME } from '../lib/nats/names';
import { inboxPrefix } from '../lib/nats/permissions';
import { bytes } from '../lib/quantity';
import { NATS_BOX_IMAGE } from './kv-provisioner';
import type { NatsAuthFiles } from './job-auth';
import { natsAuth } from './job-auth';
import { HARDENED_CONTAINER, NOBODY_POD_SECURITY } from './job-hardening';

/**
 * restic's official image (Alpine, `/bin/sh`, restic as entrypoint; the
 * scripts below override the command). Pinned: the scripts rely on
 * `cat config`, `backup --tag --host`, `forget --prune --group-by --keep-*`,
 * which restic has had since 0.9 (the e2e tests run them with 0.14).
 */
export const RESTIC_IMAGE = 'restic/restic:0.18.0';

/**
 * Hourly snapshots of the last day are kept besides the daily/weekly/monthly
 * ones: the schedule is hourly, and without it `forget` keeps one snapshot
 * per day, so damage found hours later could only go back to yesterday.
 */
export const KEEP_HOURLY = 24;
/** The tag every snapshot carries; `forget` groups by it, so a move of the home site (another host) keeps one history. */
export const SNAPSHOT_TAG = 'harmony-kv';

/** The Secrets the CronJob reads (values from ephemeral variables, write-only: never in state). */
export const KV_SNAPSHOT_SECRETS = {
  seed: { name: 'harmony-kv-snapshot-nkey', key: 'kv-snapshot.nk' },
  restic: { name: 'harmony-kv-snapshot-restic', passwordKey: 'password', envKey: 'backend.env' },
} as const;

export const SNAPSHOTS_NAME = 'harmony-kv-snapshot';

/** Where the pod finds its scripts, secrets and the snapshot directory. */
export interface SnapshotPaths extends NatsAuthFiles {
  readonly configDir: string;
  readonly resticDir: string;
  /** The emptyDir both containers share; the snapshot goes to `<snapshotDir>/<origin stream>`. */
  readonly snapshotDir: string;
}
export const SNAPSHOT_PATHS: SnapshotPaths = {
  configDir: '/etc/harmony/kv-snapshot',
  seedFile: `/etc/harmony/kv-snapshot-nkey/${KV_SNAPSHOT_SECRETS.seed.key}`,
  resticDir: '/etc/harmony/kv-snapshot-restic',
  snapshotDir: '/snapshot',
};
/** The user JWT's key in the scripts' ConfigMap (JWT mode). */
export const SNAPSHOT_JWT_FILE = 'kv-snapshot.jwt';
export const BACKUP_SCRIPT = 'backup.sh';
export const SHIP_SCRIPT = 'ship.sh';

/**
 * Step 1, in nats-box as the kv-snapshot identity (info and snapshot of the
 * origin, nothing else): `nats stream backup` (natscli 0.2.4) writes
 * `backup.json` and `stream.tar.s2`, the format `npm run kv -- restore`
 * reads (lib/kv/snapshot.ts). Consumers are left out (watchers of long-gone
 * agent connections). jsm.go creates `backup.json` empty at the start and
 * fills it at the end, so a non-empty one is the proof of a complete
 * snapshot; natscli exits 1 on any failure (`fisk.FatalIfError`).
 */
export const backupScript = (origin: string, paths: SnapshotPaths = SNAPSHOT_PATHS): string => {
  const auth = natsAuth('kv-snapshot', paths);
  return [
    'set -eu',
    ...auth.setup,
    `dir="${paths.snapshotDir}/${origin}"`,
    `nats --no-context --server "$NATS_URL" ${auth.flag} --inbox-prefix ${inboxPrefix('kv-snapshot')} --timeout 30s stream backup ${origin} "$dir" --no-progress --no-consumers`,
    '[ -s "$dir/backup.json" ] && [ -s "$dir/stream.tar.s2" ] || { echo "the snapshot of ' + origin + ' is incomplete" >&2; exit 1; }',
  ].join('\n');
};

/**
 * Step 2, in the restic image: ships the directory to the repository
 * (created on first use), tagged, then forgets and prunes by the fleet's
 * retention. The password is a file, the backend's credentials a sourced
 * file of `export NAME='value'` lines (lib/secrets/tf-vars.ts
 * `resticEnvFile`); the repository URL is public, from the fleet.
 */
export const shipScript = (origin: string, site: string, keep: ReturnType<typeof retention>, paths: SnapshotPaths = SNAPSHOT_PATHS): string =>
  [
    'set -eu',
    `. ${paths.resticDir}/${KV_SNAPSHOT_SECRETS.restic.envKey}`,
    `export RESTIC_PASSWORD_FILE=${paths.resticDir}/${KV_SNAPSHOT_SECRETS.restic.passwordKey}`,
    `dir="${paths.snapshotDir}/${origin}"`,
    '[ -s "$dir/backup.json" ] || { echo "no snapshot in $dir" >&2; exit 1; }',
    // A new repository is initialised once; an unreachable one fails init too (it exists, or the call fails).
    'restic cat config >/dev/null 2>&1 || restic init',
    `restic backup --host ${site} --tag ${SNAPSHOT_TAG} "$dir"`,
    `restic forget --prune --tag ${SNAPSHOT_TAG} --group-by tags --keep-hourly ${KEEP_HOURLY} --keep-daily ${keep.daily} --keep-weekly ${keep.weekly} --keep-monthly ${keep.monthly}`,
  ].join('\n');

export interface KvSnapshotsProps {
  /** The fleet: the origin's name, the repository, schedule and retention (`account.kv.snapshots`). */
  readonly fleet: Fleet;
  /** The site this stack deploys: it must be the home site (the origin lives there). */
  readonly site: SiteSpec;
  /** Namespace of the NATS release: the pod reaches `nats://nats.<namespace>.svc:4222`, the Secrets live there. */
  readonly namespace: string;
  /** Terraform expressions of ephemeral variables (stacks/site-variables.ts `kvSnapshotVariables`). */
  readonly secrets: { readonly seed: string; readonly resticPassword: string; readonly resticEnv: string };
  /** Revisions of the two Secrets (config/secret-revisions.json): a new one makes Terraform write the value again. */
  readonly revisions: { readonly seed: number; readonly restic: number };
  /**
   * nats-box image with natscli.
   * @default NATS_BOX_IMAGE (natscli 0.2.4)
   */
  readonly natsBoxImage?: string;
  /**
   * restic image.
   * @default RESTIC_IMAGE
   */
  readonly resticImage?: string;
  /** Resources to create first, e.g. the NATS release. */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * JWT mode: the kv-snapshot identity's user JWT (config/jwt.json), beside the scripts in the ConfigMap.
   * @default nkeys mode: the seed alone authenticates
   */
  readonly userJwt?: string;
}

/**
 * Scheduled point-in-time snapshots of the bucket's origin stream, shipped
 * off site (docs/kv-snapshots.md): a CronJob in the home site whose pod
 * first snapshots the origin with natscli into an emptyDir (init
 * container, nats-box, as the kv-snapshot identity), then ships that
 * directory with restic to `account.kv.snapshots.repository` and applies
 * the retention (main container, restic image). Only the home site's stack
 * creates it: the origin lives there, and after a promotion the fleet's
 * home site, and with it this CronJob, moves.
 *
 * Secrets: the seed and the restic password and credentials reach the pod
 * as two Kubernetes Secrets written from ephemeral variables into
 * write-only `data_wo` (never in cdktf.out, the state or a plan). Each
 * container mounts only its own.
 */
export class KvSnapshots extends Construct {
  readonly seedSecret: SecretV1;
  readonly resticSecret: SecretV1;
  readonly configMap: ConfigMapV1;
  readonly cronJob: CronJobV1;

  constructor(scope: Construct, id: string, props: KvSnapshotsProps) {
    super(scope, id);
    const { fleet, site } = props;
    const kv = fleet.account.kv;
    if (site.name !== kv.homeSite) throw new Error(`the KV snapshot CronJob belongs in the home site (account.kv.homeSite ${kv.homeSite}), not ${site.name}`);
    const layout = kvLayout(fleet);
    const origin = layout.origin.stream;
    const keep = retention(kv.snapshots.keep);
    const labels = { 'app.kubernetes.io/name': SNAPSHOTS_NAME, 'app.kubernetes.io/managed-by': 'harmony-infra' };
    const jwtMode = authMode(fleet) === 'jwt';
    if (jwtMode && !props.userJwt) throw new Error("fleet.auth.mode is 'jwt' but kv-snapshot has no user JWT (config/jwt.json); run `npm run keys -- sync`");
    const paths: SnapshotPaths = jwtMode ? { ...SNAPSHOT_PATHS, jwtFile: `${SNAPSHOT_PATHS.configDir}/${SNAPSHOT_JWT_FILE}` } : SNAPSHOT_PATHS;

    this.seedSecret = new SecretV1(this, 'seed', {
      metadata: { name: KV_SNAPSHOT_SECRETS.seed.name, namespace: props.namespace, labels },
      dataWo: { [KV_SNAPSHOT_SECRETS.seed.key]: props.secrets.seed },
      dataWoRevision: props.revisions.seed,
    });
    this.resticSecret = new SecretV1(this, 'restic', {
      metadata: { name: KV_SNAPSHOT_SECRETS.restic.name, namespace: props.namespace, labels },
      dataWo: { [KV_SNAPSHOT_SECRETS.restic.passwordKey]: props.secrets.resticPassword, [KV_SNAPSHOT_SECRETS.restic.envKey]: props.secrets.resticEnv },
      dataWoRevision: props.revisions.restic,
    });
    // Scripts in files, not in `command`: Kubernetes would rewrite `$(...)` there.
    this.configMap = new ConfigMapV1(this, 'scripts', {
      metadata: { name: SNAPSHOTS_NAME, namespace: props.namespace, labels },
      data: {
        [BACKUP_SCRIPT]: backupScript(origin, paths),
        [SHIP_SCRIPT]: shipScript(origin, site.name, keep, paths),
        ...(jwtMode ? { [SNAPSHOT_JWT_FILE]: props.userJwt! } : {}),
      },
    });

    // One run takes seconds for a bucket of a few MiB; a stuck one ends well before the next hourly tick.
    const deadline = 1800;
    this.cronJob = new CronJobV1(this, 'cron', {
      metadata: { name: SNAPSHOTS_NAME, namespace: props.namespace, labels },
      spec: {
        schedule: snapshotSchedule(kv.snapshots),
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            // A failed run is kept for its logs; the next tick takes a new snapshot.
            backoffLimit: 0,
            activeDeadlineSeconds: deadline,
            template: {
              metadata: { labels },
              spec: {
                restartPolicy: 'Never',
                automountServiceAccountToken: false,
                securityContext: NOBODY_POD_SECURITY,
                initContainer: [
                  {
                    name: 'snapshot',
                    image: props.natsBoxImage ?? NATS_BOX_IMAGE,
                    command: ['/bin/sh', `${paths.configDir}/${BACKUP_SCRIPT}`],
                    env: [
                      { name: 'NATS_URL', value: `nats://${RELEASE_NAME}.${props.namespace}.svc:${PORTS.client}` },
                      { name: 'HOME', value: '/tmp' },
                    ],
                    volumeMount: [
                      { name: 'scripts', mountPath: paths.configDir, readOnly: true },
                      { name: 'seed', mountPath: '/etc/harmony/kv-snapshot-nkey', readOnly: true },
                      { name: 'snapshot', mountPath: paths.snapshotDir },
                      { name: 'tmp', mountPath: '/tmp' },
                    ],
                    securityContext: HARDENED_CONTAINER,
                    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
                  },
                ],
                container: [
                  {
                    name: 'ship',
                    image: props.resticImage ?? RESTIC_IMAGE,
                    command: ['/bin/sh', `${paths.configDir}/${SHIP_SCRIPT}`],
                    env: [
                      // Public: the URL names the bucket, never a credential (those are in the Secret).
                      { name: 'RESTIC_REPOSITORY', value: kv.snapshots.repository },
                      { name: 'RESTIC_CACHE_DIR', value: '/tmp/restic-cache' },
                      { name: 'HOME', value: '/tmp' },
                    ],
                    volumeMount: [
                      { name: 'scripts', mountPath: paths.configDir, readOnly: true },
                      { name: 'restic', mountPath: paths.resticDir, readOnly: true },
                      { name: 'snapshot', mountPath: paths.snapshotDir, readOnly: true },
                      { name: 'tmp', mountPath: '/tmp' },
                    ],
                    securityContext: HARDENED_CONTAINER,
                    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '512Mi' } },
                  },
                ],
                volume: [
                  { name: 'scripts', configMap: { name: this.configMap.metadata.name } },
                  // Group-readable for fsGroup: the containers run as nobody.
                  { name: 'seed', secret: { secretName: this.seedSecret.metadata.name, defaultMode: '0440' } },
                  { name: 'restic', secret: { secretName: this.resticSecret.metadata.name, defaultMode: '0440' } },
                  // The compressed snapshot is smaller than the stream, which is at most maxBytes.
                  { name: 'snapshot', emptyDir: { sizeLimit: `${Math.ceil(bytes(kv.maxBytes) / 1024 ** 2)}Mi` } },
                  { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
                ],
              },
            },
          },
        },
      },
      dependsOn: props.dependsOn,
    });
  }
}
