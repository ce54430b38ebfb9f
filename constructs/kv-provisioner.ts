import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { JobV1 } from '@cdktf/provider-kubernetes/lib/job-v1';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { Fleet, SiteSpec } from '../config/types';
import type { StreamConfigJson } from '../lib/kv/stream-configs';
import { bucketStreams } from '../lib/kv/stream-configs';
import { PORTS, RELEASE_NAME } from '../lib/nats/names';
import { PROVISIONER_SECRET } from './harmony-account';

/**
 * nats-box 0.18.1 ships natscli v0.2.4, jq and a POSIX sh on Alpine 3.22.
 * Pinned: the script below relies on `nats request --raw`, `--nkey` and jq.
 */
export const NATS_BOX_IMAGE = 'natsio/nats-box:0.18.1';


/** Where the Job's pod finds the ConfigMap (the script and one JSON file per stream) and the seed. */
export interface ProvisionPaths {
  readonly configDir: string;
  readonly seedFile: string;
}
export const JOB_PATHS: ProvisionPaths = { configDir: '/etc/harmony/kv', seedFile: `/etc/harmony/provisioner/${PROVISIONER_SECRET.key}` };
/** The script's key in the ConfigMap. In a file, not in `command`: Kubernetes would rewrite `$(...)` and `$$` there. */
export const SCRIPT_FILE = 'provision.sh';

/**
 * The Job's script. It speaks the JetStream API directly (`nats request` to
 * `$JS.API.STREAM.{INFO,CREATE,UPDATE}.<stream>`, the provisioner's exact
 * permissions) instead of `nats stream add/edit`: since natscli 0.2.0,
 * `nats stream edit` of a `KV_*` stream asks "Really operate on the KV
 * stream?" on a terminal even with `--force`, so it fails in a Job exactly
 * when a change is needed. The raw API also sends the very JSON
 * `bucketStreams(fleet)` computes, with no client-side defaults merged in.
 *
 * Per stream file: missing (10059) -> create; present and every field we set
 * already equal -> nothing; else update. It refuses to update a stream that
 * lives in another cluster than the fleet says (that update would ask
 * JetStream to move it, e.g. after a promotion the fleet does not know of
 * yet) and exits non-zero on any other error, such as "stream is offline"
 * or a timeout while the supercluster has no meta leader: the Job retries.
 */
export const provisionScript = (paths: ProvisionPaths = JOB_PATHS): string =>
  [
    'set -eu',
    `nats_api() { nats --no-context --server "$NATS_URL" --nkey ${paths.seedFile} --timeout 10s request --raw "\\$JS.API.$1" "$2"; }`,
    'failed() { printf \'%s\' "$2" | jq -e .error >/dev/null && { echo "$1: $(printf \'%s\' "$2" | jq -r \'.error.description\')" >&2; return 0; }; return 1; }',
    `for file in ${paths.configDir}/*.json; do`,
    '  name=$(jq -r .name "$file")',
    '  info=$(nats_api "STREAM.INFO.$name" "")',
    '  code=$(printf \'%s\' "$info" | jq -r \'.error.err_code // 0\')',
    '  if [ "$code" = 10059 ]; then',
    '    reply=$(nats_api "STREAM.CREATE.$name" "$(cat "$file")"); action=created',
    '  elif failed "$name" "$info"; then',
    '    exit 1',
    '  else',
    '    want=$(jq -r \'.placement.cluster // ""\' "$file")',
    '    have=$(printf \'%s\' "$info" | jq -r \'.config.placement.cluster // ""\')',
    '    if [ "$have" != "$want" ]; then',
    '      echo "$name lives in cluster $have, the fleet places it in $want: not moving it (docs/kv-failover.md)" >&2; exit 1',
    '    fi',
    '    if printf \'%s\' "$info" | jq -e --slurpfile want "$file" \'.config as $have | $want[0] | to_entries | all(.value == $have[.key])\' >/dev/null; then',
    '      echo "$name: unchanged"; continue',
    '    fi',
    '    reply=$(nats_api "STREAM.UPDATE.$name" "$(cat "$file")"); action=updated',
    '  fi',
    '  if failed "$name" "$reply"; then exit 1; fi',
    '  echo "$name: $action"',
    'done',
  ].join('\n');

export interface KvProvisionerProps {
  /** The fleet: `bucketStreams(fleet)` decides which streams live in `site`. */
  readonly fleet: Fleet;
  /** The site this stack deploys; only its own streams are applied here. */
  readonly site: SiteSpec;
  /** Namespace of the NATS release: the Job reaches `nats://nats.<namespace>.svc:4222` and the seed Secret lives there. */
  readonly namespace: string;
  /**
   * nats-box image with the `nats` CLI and jq.
   * @default NATS_BOX_IMAGE
   */
  readonly image?: string;
  /**
   * Pod retries before the Job is marked failed. Generous: on a cold
   * supercluster or a DR rebuild the JetStream meta leader appears only once
   * enough sites are up (Kubernetes backs off up to 6 minutes between
   * tries, so 20 retries span about 1.5 hours).
   * @default 20
   */
  readonly backoffLimit?: number;
  /**
   * Seconds a finished Job (and its logs) is kept. Once Kubernetes deletes
   * it, the next deploy creates it again and it runs once more: harmless,
   * the script is idempotent, and it repairs drift.
   * @default 604800 (7 days)
   */
  readonly ttlSecondsAfterFinished?: number;
  /** Resources to create first, e.g. the provisioner's seed Secret and the NATS release. */
  readonly dependsOn?: ITerraformDependable[];
}

/** Short hash of what the Job applies: a new name, so a new Job, whenever it changes. */
export function provisionHash(streams: readonly StreamConfigJson[], image: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ streams, image, script: provisionScript() }))
    .digest('hex')
    .slice(0, 10);
}

/** The stream configs living in `site`, keyed by file name in the ConfigMap. */
export function siteStreamFiles(fleet: Fleet, site: string): Record<string, string> {
  return Object.fromEntries(siteStreams(fleet, site).map((config) => [`${config.name}.json`, JSON.stringify(config, null, 2)]));
}

/** The ConfigMap's data: the script and the site's stream files. */
export const provisionerFiles = (fleet: Fleet, site: string, paths: ProvisionPaths = JOB_PATHS): Record<string, string> => ({
  [SCRIPT_FILE]: provisionScript(paths),
  ...siteStreamFiles(fleet, site),
});

const siteStreams = (fleet: Fleet, site: string): StreamConfigJson[] => bucketStreams(fleet).filter((s) => s.site === site).map((s) => s.config);

/**
 * Provisions the HARMONY bucket's streams that live in one site (the origin
 * in the home site, a mirror elsewhere) with a Kubernetes Job, from this
 * site's stack. Why a Job: it needs no CRD (the NACK controller's
 * resources fail the first plan until their CRDs exist) and no Terraform
 * provider that must reach NATS at plan time (a cold supercluster or a site
 * being rebuilt has no JetStream yet); it retries on its own until
 * JetStream answers, and applies the same JSON `bucketStreams(fleet)` gives
 * the local supercluster and the e2e tests. Idempotent, so it is safe on
 * every deploy and on a DR rebuild.
 *
 * `wait_for_completion = false`: a cold supercluster has no JetStream meta
 * leader until a majority of all servers is up (more than one site), so the
 * first site's deploy cannot wait for it; nor can a DR rebuild before its
 * gateways reconnect.
 */
export class KvProvisioner extends Construct {
  readonly configMap: ConfigMapV1;
  readonly job: JobV1;
  /** The 10-hex-digit hash in both names. */
  readonly hash: string;

  constructor(scope: Construct, id: string, props: KvProvisionerProps) {
    super(scope, id);
    const image = props.image ?? NATS_BOX_IMAGE;
    const streams = siteStreams(props.fleet, props.site.name);
    if (streams.length === 0) throw new Error(`site ${props.site.name} holds none of the bucket's streams`);
    this.hash = provisionHash(streams, image);
    const labels = { 'app.kubernetes.io/name': 'harmony-kv-provisioner', 'app.kubernetes.io/managed-by': 'harmony-infra' };

    this.configMap = new ConfigMapV1(this, 'config', {
      metadata: { name: `harmony-kv-provision-${this.hash}`, namespace: props.namespace, labels },
      data: provisionerFiles(props.fleet, props.site.name),
    });

    const nobody = '65534';
    this.job = new JobV1(this, 'job', {
      metadata: { name: `harmony-kv-provision-${this.hash}`, namespace: props.namespace, labels },
      spec: {
        backoffLimit: props.backoffLimit ?? 20,
        ttlSecondsAfterFinished: String(props.ttlSecondsAfterFinished ?? 604_800),
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'OnFailure',
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: nobody, runAsGroup: nobody, fsGroup: nobody, seccompProfile: { type: 'RuntimeDefault' } },
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
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
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
      waitForCompletion: false,
      dependsOn: props.dependsOn,
    });
  }
}
