import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { Construct } from 'constructs';
import type { Fleet, SiteSpec } from '../config/types';
import { gatewayExposure, gatewayPort, gatewaySourceRanges } from '../lib/defaults';
import type { GatewayRemote } from '../lib/nats/gateways';
import { gatewayAdvertise, gatewayRemotes } from '../lib/nats/gateways';
import { PORTS, RELEASE_NAME } from '../lib/nats/names';

export interface GatewayMeshProps {
  readonly fleet: Fleet;
  readonly site: SiteSpec;
  readonly namespace: string;
}

/** The chart's selector labels for the NATS pods of release `nats`. */
export const NATS_POD_SELECTOR = {
  'app.kubernetes.io/name': 'nats',
  'app.kubernetes.io/instance': RELEASE_NAME,
  'app.kubernetes.io/component': 'nats',
} as const;

/**
 * This site's place in the supercluster: the peers it dials (every other
 * site, computed from the fleet alone) and the Service that lets them dial
 * it. The client Service stays ClusterIP; only the gateway port is exposed.
 */
export class GatewayMesh extends Construct {
  readonly remotes: readonly GatewayRemote[];
  readonly advertise: string;
  readonly service: ServiceV1;

  constructor(scope: Construct, id: string, props: GatewayMeshProps) {
    super(scope, id);
    const { fleet, site } = props;
    this.remotes = gatewayRemotes(fleet, site);
    this.advertise = gatewayAdvertise(site);
    const nodePort = gatewayExposure(site) === 'NodePort';
    this.service = new ServiceV1(this, 'service', {
      // Where k3s's ServiceLB is disabled, or another Service holds the port
      // on the nodes, the LoadBalancer stays <pending>: waiting would hang
      // the apply for the provider's 10 minutes, then fail it with the rest
      // of the site deployed. The address the other sites dial is the
      // fleet's advertiseHost anyway; check `kubectl -n nats get svc
      // nats-gateway` after a deploy (README, "Deploying a site").
      waitForLoadBalancer: false,
      metadata: { name: `${RELEASE_NAME}-gateway`, namespace: props.namespace },
      spec: {
        type: gatewayExposure(site),
        selector: { ...NATS_POD_SELECTOR },
        // On 2.10 the readiness probe waits for a JetStream meta leader,
        // which needs the other sites: without not-ready endpoints a cold
        // supercluster would never connect and never become ready. Newer
        // servers turn ready sooner; a gateway must be dialable either way.
        publishNotReadyAddresses: true,
        // Only the other sites may dial the gateway (peerSourceRanges): one
        // site's certificate and the shared password could pose as another.
        ...(nodePort ? {} : { loadBalancerSourceRanges: [...gatewaySourceRanges(fleet, site)] }),
        port: [
          {
            name: 'gateway',
            port: nodePort ? PORTS.gateway : gatewayPort(site),
            targetPort: 'gateway',
            ...(nodePort ? { nodePort: gatewayPort(site) } : {}),
          },
        ],
      },
    });
  }
}
