import type { SynthBlock } from '../../guardrails/rule';
import { loadBalancersFiltered } from '../../guardrails/rules/load-balancers-filtered';
import { noExposedClientPorts } from '../../guardrails/rules/no-exposed-client-ports';
import { PROTECTION_LIFTED_LABEL, statefulGuarded } from '../../guardrails/rules/stateful-guarded';

const NONE = { variables: {} };
const resource = (type: string, body: object): SynthBlock => ({ kind: 'resource', address: `${type}.r`, type, body });

describe('stateful-guarded', () => {
  test.each([
    ['helm_release', { lifecycle: { prevent_destroy: true } }],
    ['kubernetes_namespace_v1', { lifecycle: { prevent_destroy: true } }],
    ['hcloud_server', { delete_protection: true }],
    ['hcloud_primary_ip', { delete_protection: true }],
    ['hcloud_server', { delete_protection: false, labels: { [PROTECTION_LIFTED_LABEL]: 'true' } }],
    ['kubernetes_config_map_v1', {}],
  ])('compliant: %s %j', (type, body) => {
    expect(statefulGuarded.check(resource(type, body), NONE)).toEqual([]);
  });

  test.each([
    ['helm_release', {}, /helm_release\.r is a site's NATS release .* set lifecycle\.prevent_destroy$/],
    ['kubernetes_namespace_v1', { lifecycle: { prevent_destroy: false } }, /is a namespace .* set lifecycle\.prevent_destroy$/],
    ['kubernetes_persistent_volume_claim_v1', {}, /is a volume claim/],
    ['hcloud_server', { delete_protection: false }, /is the management server .* or keep Hetzner delete protection on \(mgmt\.protection\)$/],
    ['hcloud_primary_ip', { labels: { [PROTECTION_LIFTED_LABEL]: 'yes' } }, /the management host's address/],
  ])('failing: %s %j', (type, body, message) => {
    expect(statefulGuarded.check(resource(type, body), NONE)).toEqual([expect.stringMatching(message)]);
  });
});

describe('no-exposed-client-ports', () => {
  const service = (type: string, ports: object[]) => resource('kubernetes_service_v1', { spec: { type, port: ports } });

  test.each([
    ['a LoadBalancer with the gateway port only', service('LoadBalancer', [{ name: 'gateway', port: 7222, target_port: 'gateway' }])],
    ['a ClusterIP with the client port', service('ClusterIP', [{ name: 'nats', port: 4222, target_port: 'nats' }])],
    ['a release whose client Service stays ClusterIP', resource('helm_release', { values: [JSON.stringify({ service: { ports: { gateway: { enabled: false } } } })] })],
  ])('compliant: %s', (_, block) => {
    expect(noExposedClientPorts.check(block, NONE)).toEqual([]);
  });

  test.each([
    ['the client port on a LoadBalancer', service('LoadBalancer', [{ name: 'gateway', port: 7222 }, { name: 'client', port: 4222 }]), /exposes port client as LoadBalancer/],
    ['the monitor port on a NodePort, by target name', service('NodePort', [{ name: 'm', port: 30822, target_port: 'monitor' }]), /exposes port m as NodePort/],
    ['routes on a LoadBalancer', service('LoadBalancer', [{ port: 6222 }]), /exposes port 6222/],
    ['the chart told to make its client Service a LoadBalancer', resource('helm_release', { values: [JSON.stringify({ service: { merge: { spec: { type: 'LoadBalancer' } } } })] }), /the chart's client Service would be LoadBalancer/],
  ])('failing: %s', (_, block, message) => {
    expect(noExposedClientPorts.check(block, NONE)).toEqual([expect.stringMatching(message)]);
  });
});

describe('load-balancers-filtered', () => {
  const service = (type: string, ranges?: string[]) => resource('kubernetes_service_v1', { spec: { type, port: [{ port: 7222 }], ...(ranges ? { load_balancer_source_ranges: ranges } : {}) } });

  test.each([
    ['a LoadBalancer admitting the peers', service('LoadBalancer', ['198.51.100.22/32', '2001:db8::/64'])],
    ['a ClusterIP (never exposed)', service('ClusterIP')],
    ['a NodePort (Kubernetes ignores the ranges there; the node firewall filters)', service('NodePort')],
  ])('compliant: %s', (_, block) => {
    expect(loadBalancersFiltered.check(block, NONE)).toEqual([]);
  });

  test.each([
    ['no ranges', service('LoadBalancer'), /kubernetes_service_v1\.r is a LoadBalancer with no load_balancer_source_ranges/],
    ['an empty list', service('LoadBalancer', []), /with no load_balancer_source_ranges: every address could reach it/],
    ['everything over IPv4', service('LoadBalancer', ['198.51.100.22/32', '0.0.0.0/0']), /admits 0\.0\.0\.0\/0, every address/],
    ['everything over IPv6', service('LoadBalancer', ['::/0']), /admits ::\/0/],
  ])('failing: %s', (_, block, message) => {
    expect(loadBalancersFiltered.check(block, NONE)).toEqual([expect.stringMatching(message)]);
  });
});
