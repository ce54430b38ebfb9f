import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { Construct } from 'constructs';
import type { Fleet, SiteSpec } from '../config/types';
import { gatewayExposure, metricsPort, siteNodes } from '../lib/defaults';
import { RELEASE_NAME } from '../lib/nats/names';
import { NATS_POD_SELECTOR } from './gateway-mesh';

/** The chart's exporter sidecar listens here (container port `prom-metrics`). */
export const EXPORTER_PORT = 7777;

/** Where the mgmt host's Prometheus scrapes server `i` of `site`: the gateway's address, one port per server. */
export const metricsTarget = (site: SiteSpec, i: number): string => {
  const host = site.gateway.advertiseHost;
  // A NodePort site without metrics.port is refused by validation first.
  return `${host.includes(':') ? `[${host}]` : host}:${(metricsPort(site) ?? Number.NaN) + i}`;
};

export interface SiteMetricsProps {
  readonly fleet: Fleet;
  readonly site: SiteSpec;
  readonly namespace: string;
}

/**
 * The exporter of each NATS server, published for the mgmt host's
 * Prometheus: one Service per server (a Service behind one port would hand
 * each scrape to a random server), reachable only from
 * `mgmt.monitoring.scrapeFrom` (the exporter has no authentication). Until
 * that is set nothing is published, and the mgmt host's
 * HarmonySiteMetricsDown alert says so. With NodePort exposure Kubernetes
 * ignores source ranges: filter the ports on the nodes' firewall.
 */
export class SiteMetrics extends Construct {
  readonly services: readonly ServiceV1[];

  constructor(scope: Construct, id: string, props: SiteMetricsProps) {
    super(scope, id);
    const { fleet, site } = props;
    const scrapeFrom = fleet.mgmt.monitoring.scrapeFrom;
    const nodePort = gatewayExposure(site) === 'NodePort';
    const first = metricsPort(site) as number;
    this.services = scrapeFrom === undefined
      ? []
      : Array.from({ length: siteNodes(site) }, (_, i) =>
          new ServiceV1(this, `server-${i}`, {
            // Like the gateway: a missing ServiceLB must not hang the apply.
            waitForLoadBalancer: false,
            metadata: { name: `${RELEASE_NAME}-metrics-${i}`, namespace: props.namespace },
            spec: {
              type: gatewayExposure(site),
              selector: { ...NATS_POD_SELECTOR, 'statefulset.kubernetes.io/pod-name': `${RELEASE_NAME}-${i}` },
              // A server that is not ready is exactly what the alerts want to see.
              publishNotReadyAddresses: true,
              ...(nodePort ? {} : { loadBalancerSourceRanges: [...scrapeFrom] }),
              port: [
                {
                  name: 'prom-metrics',
                  port: nodePort ? EXPORTER_PORT : first + i,
                  targetPort: 'prom-metrics',
                  ...(nodePort ? { nodePort: first + i } : {}),
                },
              ],
            },
          }),
        );
  }
}
