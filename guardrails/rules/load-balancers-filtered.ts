import type { GuardrailRule } from '../rule';

/**
 * A LoadBalancer Service admits listed sources only. Behind each one is a
 * listener with no login of its own worth trusting alone: the gateway
 * (one shared password; a site's certificate could pose as another site)
 * and the exporters (no authentication at all). k3s's ServiceLB binds the
 * port on every node's address, so an empty list means the Internet.
 */
export const loadBalancersFiltered: GuardrailRule = {
  id: 'load-balancers-filtered',
  summary: 'every LoadBalancer Service lists loadBalancerSourceRanges, none of them 0.0.0.0/0 or ::/0',
  check: (block) => {
    if (block.kind !== 'resource' || (block.type !== 'kubernetes_service_v1' && block.type !== 'kubernetes_service')) return [];
    const spec = Array.isArray(block.body?.spec) ? block.body.spec[0] : block.body?.spec;
    if (spec?.type !== 'LoadBalancer') return [];
    const ranges: unknown = spec.load_balancer_source_ranges;
    if (!Array.isArray(ranges) || ranges.length === 0) {
      return [`${block.address} is a LoadBalancer with no load_balancer_source_ranges: every address could reach it; list the peers (gateway.peerSourceRanges) or the mgmt host (mgmt.monitoring.scrapeFrom)`];
    }
    return ranges
      .filter((r) => typeof r === 'string' && /\/0$/.test(r))
      .map((r) => `${block.address} admits ${r}, every address; list the peers or the mgmt host instead`);
  },
};
