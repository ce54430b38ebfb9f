import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { Construct } from 'constructs';
import { SECRETS } from '../lib/nats/helm-values';
import type { SiteRevisions } from '../lib/secrets/revisions';

/** Private material of one site, as Terraform expressions (ephemeral variables). */
export interface SiteSecretValues {
  /** Password of this site's cluster routes. */
  readonly routePassword: string;
  /** Password of the gateway links, shared by all sites. */
  readonly gatewayPassword: string;
  /** The site's certificate (PEM), chained to the fleet CA. */
  readonly tlsCert: string;
  /** The site certificate's private key (PEM). */
  readonly tlsKey: string;
  /** The fleet CA certificate (PEM). */
  readonly caCert: string;
}

export interface SiteSecretsProps {
  readonly namespace: string;
  readonly values: SiteSecretValues;
  /** Revisions of the Secrets (config/secret-revisions.json): a new one makes Terraform write the value again. */
  readonly revisions: SiteRevisions;
}

/**
 * The Kubernetes Secrets the NATS release mounts: TLS material and the
 * route/gateway passwords. Values arrive as ephemeral Terraform variables
 * at apply time and go only into write-only arguments (`data_wo`), so they
 * are in neither `cdktf.out`, nor the state, nor a saved plan. Terraform
 * cannot see a write-only value change: the revision is what makes it write
 * the Secret again.
 */
export class SiteSecrets extends Construct {
  readonly tls: SecretV1;
  readonly auth: SecretV1;

  constructor(scope: Construct, id: string, props: SiteSecretsProps) {
    super(scope, id);
    const { namespace, values, revisions } = props;
    this.tls = new SecretV1(this, 'tls', {
      metadata: { name: SECRETS.tls, namespace },
      type: 'kubernetes.io/tls',
      dataWo: { 'tls.crt': values.tlsCert, 'tls.key': values.tlsKey, 'ca.crt': values.caCert },
      dataWoRevision: revisions[SECRETS.tls],
    });
    this.auth = new SecretV1(this, 'auth', {
      metadata: { name: SECRETS.auth, namespace },
      dataWo: { 'route-password': values.routePassword, 'gateway-password': values.gatewayPassword },
      dataWoRevision: revisions[SECRETS.auth],
    });
  }
}
