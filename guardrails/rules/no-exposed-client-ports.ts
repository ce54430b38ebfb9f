import type { GuardrailRule, Json } from '../rule';

/**
 * Only the gateway and the exporters' metrics (7777, each to the mgmt host
 * only: load-balancers-filtered) leave a site's cluster. A client (4222), route (6222)
 * or monitoring (8222) port on a LoadBalancer or NodePort Service would
 * offer the account's login, the cluster's routes or the servers' full
 * monitoring to the Internet. Checked on Terraform's Services and on the
 * Service the NATS chart renders from the release's values.
 */
const INTERNAL = new Set<string | number>([4222, 6222, 8222, 'nats', 'cluster', 'monitor', 'http']);
const EXPOSED_TYPES = new Set(['LoadBalancer', 'NodePort']);

function exposedPorts(spec: Json): string[] {
  if (!spec || !EXPOSED_TYPES.has(spec.type)) return [];
  return (spec.port ?? spec.ports ?? []).flatMap((p: Json) =>
    [p.port, p.target_port, p.targetPort, p.name].some((v) => INTERNAL.has(v) || INTERNAL.has(Number(v))) ? [String(p.name ?? p.port)] : [],
  );
}

export const noExposedClientPorts: GuardrailRule = {
  id: 'no-exposed-client-ports',
  summary: 'no Service exposes the client, route or monitor port outside the cluster',
  check: (block) => {
    if (block.kind !== 'resource') return [];
    if (block.type === 'kubernetes_service_v1' || block.type === 'kubernetes_service') {
      const spec = Array.isArray(block.body?.spec) ? block.body.spec[0] : block.body?.spec;
      return exposedPorts(spec).map((port) => `${block.address} exposes port ${port} as ${spec.type}: only the gateway and the metrics may leave the cluster; keep the client, route and monitor ports on a ClusterIP Service`);
    }
    if (block.type === 'helm_release') {
      return (block.body?.values ?? []).flatMap((text: string) => {
        let values: Json;
        try {
          values = JSON.parse(text);
        } catch {
          return [];
        }
        const type = values?.service?.merge?.spec?.type;
        return EXPOSED_TYPES.has(type)
          ? [`${block.address}: the chart's client Service would be ${type}, exposing the client and monitor ports; only the gateway Service may leave the cluster`]
          : [];
      });
    }
    return [];
  },
};
