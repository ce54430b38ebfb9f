import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { Construct } from 'constructs';
import type { SiteSpec } from '../config/types';
import { NATS_POD_SELECTOR } from './gateway-mesh';

export const WEBSOCKET_SERVICE = 'nats-websocket';
export const DEFAULT_WEBSOCKET_PORT = 443;
export const DEFAULT_WEBSOCKET_SOURCES = ['0.0.0.0/0'] as const;

export interface WebSocketListenerProps {
  readonly site: SiteSpec & { readonly websocket: NonNullable<SiteSpec['websocket']> };
  /** Namespace of the NATS release. */
  readonly namespace: string;
}

/**
 * The site's WebSocket listener, reachable from browsers: a LoadBalancer
 * Service in front of every server's WebSocket port. TLS ends at the
 * servers (sites[].websocket.tlsSecret), so the load balancer sees only
 * ciphertext; who gets in is the accounts' decision (nkeys, JWT, callout),
 * as on the NATS port.
 */
export class WebSocketListener extends Construct {
  readonly service: ServiceV1;

  constructor(scope: Construct, id: string, props: WebSocketListenerProps) {
    super(scope, id);
    const ws = props.site.websocket;
    this.service = new ServiceV1(this, 'service', {
      // As for the gateway: a cluster without a load balancer would hang the apply; the address is the operator's DNS.
      waitForLoadBalancer: false,
      metadata: { name: WEBSOCKET_SERVICE, namespace: props.namespace, labels: { 'app.kubernetes.io/managed-by': 'harmony-infra' } },
      spec: {
        type: 'LoadBalancer',
        selector: NATS_POD_SELECTOR,
        // The chart names the container port `websocket` (files/stateful-set/nats-container.yaml).
        port: [{ name: 'websocket', port: ws.port ?? DEFAULT_WEBSOCKET_PORT, targetPort: 'websocket', protocol: 'TCP' }],
        loadBalancerSourceRanges: [...(ws.sourceRanges ?? DEFAULT_WEBSOCKET_SOURCES)],
        // Keep the browser's address visible to the server (connz, auth callout client_info).
        externalTrafficPolicy: 'Local',
      },
    });
  }
}
