import { dirname } from 'node:path';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { CronJobV1 } from '@cdktf/provider-kubernetes/lib/cron-job-v1';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { Fleet, SiteSpec } from '../config/types';
import type { StreamConfigJson } from '../lib/kv/stream-configs';
import { bucketStreams } from '../lib/kv/stream-configs';
import { PORTS, RELEASE_NAME } from '../lib/nats/names';
import { inboxPrefix } from '../lib/nats/permissions';
import { PROVISIONER_SECRET } from './harmony-account';
import { HARDENED_CONTAINER, NOBODY_POD_SECURITY } from './job-hardening';
import type { NatsAuthFiles } from './job-auth';
import { natsAuth } from './job-auth';
import { authMode } from '../lib/defaults';

/**
 * nats-box 0.18.1 ships natscli v0.2.4, jq and a POSIX sh on Alpine 3.22.
 * Pinned: the script below relies on `nats request --raw`, `--nkey`, `--creds` and jq.
 */
export const NATS_BOX_IMAGE = 'natsio/nats-box:0.18.1';


/** Where the Job's pod finds the ConfigMap (the script, one JSON file per stream, in JWT mode the user JWT) and the seed. */
export interface ProvisionPaths extends NatsAuthFiles {
  readonly configDir: string;
}
export const JOB_PATHS: ProvisionPaths = { configDir: '/etc/harmony/kv', seedFile: `/etc/harmony/provisioner/${PROVISIONER_SECRET.key}` };
/** The user JWT's key in the ConfigMap (JWT mode). */
export const JWT_FILE = 'provisioner.jwt';
/** JOB_PATHS in the fleet's auth mode. */
export const jobPaths = (mode: 'nkeys' | 'jwt'): ProvisionPaths => (mode === 'jwt' ? { ...JOB_PATHS, jwtFile: `${JOB_PATHS.configDir}/${JWT_FILE}` } : JOB_PATHS);
/** The script's key in the ConfigMap. In a file, not in `command`: Kubernetes would rewrite `$(...)` and `$$` there. */
export const SCRIPT_FILE = 'provision.sh';

/**
 * The script every provisioning run executes, as the in-cluster
 * provisioning identity, which may create the bucket's streams and read
 * them, nothing else: a stream update can destroy data (`max_msgs: 1`) or
 * seal the bucket for good, and this identity's seed sits in every site.
 * So per stream file: missing (10059) -> create; present and every field we
 * set equal -> nothing; present and different -> report the fields and fail
 * the run (visible as a failed Job and in `npm run kv -- status`): an
 * operator applies changes with `npm run kv -- apply`, which shows a diff
 * and refuses a destructive change without an explicit flag. A stream in
 * another cluster than the fleet says (a promotion the fleet does not know
 * of yet) is reported likewise.
 *
 * It speaks the JetStream API directly (`nats request` to
 * `$JS.API.STREAM.{INFO,CREATE}.<stream>`, the identity's exact rights),
 * sending the very JSON `bucketStreams(fleet)` computes, with replies on the
 * identity's own inbox prefix (the only one it may subscribe to).
 *
 * natscli 0.2.4 (`cli/pub_command.go`) exits 0 with nothing on stdout when a
 * request times out, and exits 0 after logging "No responders are
 * available" when nobody answers: an empty reply is therefore a failure
 * here, never a success. That is what a supercluster without a JetStream
 * meta leader (a cold start, a DR rebuild) looks like to this script. Any
 * failure exits non-zero; the CronJob runs it again at the next tick.
 */
export const provisionScript = (paths: ProvisionPaths = JOB_PATHS): string => {
  const auth = natsAuth('provisioner', paths);
  return [
    'set -eu',
    ...auth.setup,
    `nats_api() { nats --no-context --server "$NATS_URL" ${auth.flag} --inbox-prefix ${inboxPrefix('provisioner')} --timeout 10s request --raw "\\$JS.API.$1" "$2"; }`,
    // An empty reply (timeout, no responders) is a failure: natscli exits 0 on both.
    'call() { reply=$(nats_api "$2" "$3") || { echo "$1: nats request failed" >&2; exit 1; }; [ -n "$(printf \'%s\' "$reply" | tr -d \'[:space:]\')" ] || { echo "$1: no reply from JetStream (timeout or no responders): is there a meta leader?" >&2; exit 1; }; }',
    'failed() { printf \'%s\' "$2" | jq -e .error >/dev/null && { echo "$1: $(printf \'%s\' "$2" | jq -r \'.error.description\')" >&2; return 0; }; return 1; }',
    'status=0',
    `for file in ${paths.configDir}/*.json; do`,
    '  name=$(jq -r .name "$file")',
    '  call "$name" "STREAM.INFO.$name" ""; info=$reply',
    '  code=$(printf \'%s\' "$info" | jq -r \'.error.err_code // 0\')',
    '  if [ "$code" = 10059 ]; then',
    '    call "$name" "STREAM.CREATE.$name" "$(cat "$file")"',
    '    if failed "$name" "$reply"; then exit 1; fi',
    '    echo "$name: created"; continue',
    '  fi',
    '  if failed "$name" "$info"; then exit 1; fi',
    '  want=$(jq -r \'.placement.cluster // ""\' "$file")',
    '  have=$(printf \'%s\' "$info" | jq -r \'.config.placement.cluster // ""\')',
    '  if [ "$have" != "$want" ]; then',
    '    echo "$name lives in cluster $have, the fleet places it in $want: not moving it (docs/kv-failover.md)" >&2; status=1; continue',
    '  fi',
    '  fields=$(printf \'%s\' "$info" | jq -r --slurpfile want "$file" \'.config as $have | [$want[0] | to_entries[] | select(.value != $have[.key]) | .key] | join(", ")\')',
    '  if [ -z "$fields" ]; then echo "$name: unchanged"; continue; fi',
    '  echo "$name differs from the fleet in: $fields; this identity only creates: an operator runs npm run kv -- apply (docs/kv-failover.md)" >&2; status=1',
    'done',
    'exit $status',
  ].join('\n');
};

export interface KvProvisionerProps {
  /** The fleet: `bucketStreams(fleet)` decides which streams live in `site`. */
  readonly fleet: Fleet;
  /** The site this stack deploys; only its own streams are applied here. */
  readonly site: SiteSpec;
  /** Namespace of the NATS release: the runs reach `nats://nats.<namespace>.svc:4222` and the seed Secret lives there. */
  readonly namespace: string;
  /**
   * nats-box image with the `nats` CLI and jq.
   * @default NATS_BOX_IMAGE
   */
  readonly image?: string;
  /**
   * How often the script runs (cron syntax, the cluster's time zone).
   * @default "*\/5 * * * *" (every five minutes)
   */
  readonly schedule?: string;
  /** Resources to create first, e.g. the provisioner's seed Secret and the NATS release. */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * JWT mode: the provisioner's user JWT (config/jwt.json), beside the script in the ConfigMap.
   * @default nkeys mode: the seed alone authenticates
   */
  readonly userJwt?: string;
}

/** Stable names: what the CronJob applies lives in the ConfigMap, so a change is an in-place update, never a new object. */
export const PROVISIONER_NAME = 'harmony-kv-provision';
export const DEFAULT_SCHEDULE = '*/5 * * * *';
/** A run that has not finished by then is stuck (each request waits 10 s at most): it ends before the next tick. */
export const RUN_DEADLINE_SECONDS = 240;

/** The stream configs living in `site`, keyed by file name in the ConfigMap. */
export function siteStreamFiles(fleet: Fleet, site: string): Record<string, string> {
  return Object.fromEntries(siteStreams(fleet, site).map((config) => [`${config.name}.json`, JSON.stringify(config, null, 2)]));
}

/** The ConfigMap's data: the script, the site's stream files, and in JWT mode the provisioner's user JWT. */
export const provisionerFiles = (fleet: Fleet, site: string, paths: ProvisionPaths = JOB_PATHS, userJwt?: string): Record<string, string> => ({
  [SCRIPT_FILE]: provisionScript(paths),
  ...siteStreamFiles(fleet, site),
  ...(paths.jwtFile ? { [JWT_FILE]: userJwt ?? missingJwt() } : {}),
});

function missingJwt(): never {
  throw new Error("fleet.auth.mode is 'jwt' but the provisioner has no user JWT (config/jwt.json); run `npm run keys -- sync`");
}

const siteStreams = (fleet: Fleet, site: string): StreamConfigJson[] => bucketStreams(fleet).filter((s) => s.site === site).map((s) => s.config);

/**
 * Provisions the HARMONY bucket's streams that live in one site (the origin
 * in the home site, a mirror elsewhere) from a Kubernetes CronJob that runs
 * the same idempotent script every few minutes, for good:
 *
 * - it retries until it succeeds, however long JetStream takes (a cold
 *   supercluster has no meta leader until a majority of all servers is up,
 *   which needs more than one site; a DR rebuild waits for its gateways);
 * - once converged, a run changes nothing and Terraform sees no diff (the
 *   CronJob and ConfigMap have stable names; a fleet change updates the
 *   ConfigMap in place and the next run applies it);
 * - it repairs drift (a stream edited or deleted by hand) on the next run;
 * - a failure stays visible: the last failed Jobs are kept with their logs
 *   (`kubectl -n nats get jobs -l app.kubernetes.io/name=harmony-kv-provisioner`),
 *   and `npm run kv -- status` shows any stream that is missing or differs.
 *
 * Why Kubernetes and not a Terraform provider: it needs no CRD (the NACK
 * controller's resources fail the first plan until their CRDs exist) and
 * no provider that must reach NATS at plan time. It applies the same JSON
 * `bucketStreams(fleet)` gives the local supercluster and the e2e tests.
 */
export class KvProvisioner extends Construct {
  readonly configMap: ConfigMapV1;
  readonly cronJob: CronJobV1;

  constructor(scope: Construct, id: string, props: KvProvisionerProps) {
    super(scope, id);
    const image = props.image ?? NATS_BOX_IMAGE;
    const streams = siteStreams(props.fleet, props.site.name);
    if (streams.length === 0) throw new Error(`site ${props.site.name} holds none of the bucket's streams`);
    const labels = { 'app.kubernetes.io/name': 'harmony-kv-provisioner', 'app.kubernetes.io/managed-by': 'harmony-infra' };

    this.configMap = new ConfigMapV1(this, 'config', {
      metadata: { name: PROVISIONER_NAME, namespace: props.namespace, labels },
      data: provisionerFiles(props.fleet, props.site.name, jobPaths(authMode(props.fleet)), props.userJwt),
    });

    this.cronJob = new CronJobV1(this, 'cron', {
      metadata: { name: PROVISIONER_NAME, namespace: props.namespace, labels },
      spec: {
        schedule: props.schedule ?? DEFAULT_SCHEDULE,
        // One run at a time; a missed tick is simply the next one.
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: RUN_DEADLINE_SECONDS,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            // The schedule is the retry: a failed run is kept for its logs, the next tick tries again.
            backoffLimit: 0,
            activeDeadlineSeconds: RUN_DEADLINE_SECONDS,
            template: {
              metadata: { labels },
              spec: {
                restartPolicy: 'Never',
                automountServiceAccountToken: false,
                securityContext: NOBODY_POD_SECURITY,
                container: [
                  {
                    name: 'provision',
                    image,
                    command: ['/bin/sh', `${JOB_PATHS.configDir}/${SCRIPT_FILE}`],
                    env: [
                      { name: 'NATS_URL', value: `nats://${RELEASE_NAME}.${props.namespace}.svc:${PORTS.client}` },
                      // natscli keeps its contexts under $HOME; the root filesystem is read-only.
                      { name: 'HOME', value: '/tmp' },
                    ],
                    volumeMount: [
                      { name: 'config', mountPath: JOB_PATHS.configDir, readOnly: true },
                      { name: 'seed', mountPath: dirname(JOB_PATHS.seedFile), readOnly: true },
                      { name: 'tmp', mountPath: '/tmp' },
                    ],
                    securityContext: HARDENED_CONTAINER,
                    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
                  },
                ],
                volume: [
                  { name: 'config', configMap: { name: this.configMap.metadata.name } },
                  // Group-readable for fsGroup: the container runs as nobody.
                  { name: 'seed', secret: { secretName: PROVISIONER_SECRET.name, defaultMode: '0440' } },
                  { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
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
