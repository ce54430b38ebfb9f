import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { Construct } from 'constructs';
import { SECRETS } from '../lib/nats/helm-values';

/** Private material of one site, as Terraform expressions (sensitive variables). */
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
}

/**
 * The Kubernetes Secrets the NATS release mounts: TLS material and the
 * route/gateway passwords. Values arrive as sensitive Terraform variables at
 * plan/apply time, so `cdktf.out` holds only references to them.
 */
export class SiteSecrets extends Construct {
  readonly tls: SecretV1;
  readonly auth: SecretV1;

  constructor(scope: Construct, id: string, props: SiteSecretsProps) {
    super(scope, id);
    const { namespace, values } = props;
    this.tls = new SecretV1(this, 'tls', {
      metadata: { name: SECRETS.tls, namespace },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': values.tlsCert, 'tls.key': values.tlsKey, 'ca.crt': values.caCert },
    });
    this.auth = new SecretV1(this, 'auth', {
      metadata: { name: SECRETS.auth, namespace },
      data: { 'route-password': values.routePassword, 'gateway-password': values.gatewayPassword },
    });
  }
}
