import { Release } from '@cdktf/provider-helm/lib/release';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import type { ITerraformDependable } from 'cdktf';
import { dependable } from 'cdktf';
import { Construct } from 'constructs';
import type { Fleet, SiteSpec } from '../config/types';
import { siteNamespace } from '../lib/defaults';
import { NATS_CHART, siteHelmValues } from '../lib/nats/helm-values';
import { RELEASE_NAME } from '../lib/nats/names';
import type { SiteSecretValues } from './site-secrets';
import { SiteSecrets } from './site-secrets';
import type { SiteRevisions } from '../lib/secrets/revisions';

export interface NatsSiteProps {
  readonly fleet: Fleet;
  readonly site: SiteSpec;
  /** Private material, as sensitive Terraform expressions. */
  readonly secrets: SiteSecretValues;
  /**
   * sha256 of the accounts include. The release carries it in its
   * description, so `helm list` on any site shows which account definition
   * it runs; the accounts themselves reload without a pod restart.
   */
  readonly accountsChecksum: string;
  /** Revisions of the site's Secrets: a new TLS or auth revision rolls the pods. */
  readonly revisions: SiteRevisions;
}

/**
 * One site's NATS cluster: its namespace, secrets and the official chart's
 * release with values derived from the site's server config.
 */
export class NatsSite extends Construct {
  readonly namespace: string;
  readonly release: Release;
  /** The Helm values, kept for assertions and the plan preview. */
  readonly values: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: NatsSiteProps) {
    super(scope, id);
    // The namespace holds the servers' volume claims: destroying it deletes the site's stream data.
    const ns = new NamespaceV1(this, 'namespace', { metadata: { name: siteNamespace(props.site) }, lifecycle: { preventDestroy: true } });
    this.namespace = ns.metadata.name;
    const secrets = new SiteSecrets(this, 'secrets', { namespace: this.namespace, values: props.secrets, revisions: props.revisions });
    this.values = siteHelmValues(props.fleet, props.site, props.revisions);
    this.release = new Release(this, 'release', {
      name: RELEASE_NAME,
      namespace: this.namespace,
      repository: NATS_CHART.repository,
      chart: NATS_CHART.chart,
      version: NATS_CHART.version,
      description: `accounts sha256 ${props.accountsChecksum}`,
      // JSON is YAML: one deterministic document, no YAML library needed.
      values: [JSON.stringify(this.values, null, 2)],
      // Pods turn ready only once a JetStream meta leader exists, which needs
      // the other sites: waiting would fail the first site of a cold
      // supercluster (and a DR rebuild before its gateways reconnect).
      wait: false,
      // Destroying the release removes the site's servers; retiring a site is a reviewed code change.
      lifecycle: { preventDestroy: true },
      dependsOn: [secrets.tls, secrets.auth],
    });
  }

  /**
   * Makes the release wait for `resources` too. Terraform accepts only a
   * static address in `depends_on` (`kubernetes_secret_v1.x`), never an
   * interpolation (`${...}`, what `resource.fqn` renders): `dependable()`
   * renders the address.
   */
  dependOn(...resources: ITerraformDependable[]): void {
    this.release.dependsOn = [...(this.release.dependsOn ?? []), ...resources.map((r) => dependable(r))];
  }
}
