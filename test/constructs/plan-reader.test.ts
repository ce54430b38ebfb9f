import { Testing } from 'cdktf';
import { PlanReader } from '../../constructs/plan-reader';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('PlanReader', () => {
  const tf: Json = JSON.parse(Testing.synthScope((scope) => new PlanReader(scope, 'reader', { namespace: 'nats', agentNamespace: 'harmony', agentSecret: 'harmony-agent-nkey' })));
  const role = Object.values(tf.resource.kubernetes_cluster_role_v1)[0] as Json;
  const binding = Object.values(tf.resource.kubernetes_cluster_role_binding_v1)[0] as Json;
  const accounts = Object.values(tf.resource.kubernetes_service_account_v1) as Json[];
  const account = accounts.find((a) => a.metadata.name === 'harmony-plan-reader');

  test('reads only: every rule is get, list, watch', () => {
    expect(role.rule.length).toBeGreaterThan(0);
    for (const rule of role.rule) expect(rule.verbs).toEqual(['get', 'list', 'watch']);
  });

  test('never Secrets, nor a wildcard that would include them', () => {
    const resources = role.rule.flatMap((r: Json) => r.resources);
    expect(resources).not.toContain('secrets');
    expect(resources).not.toContain('*');
    expect(role.rule.flatMap((r: Json) => r.api_groups)).not.toContain('*');
    expect(role.rule.every((r: Json) => !r.resource_names && !r.non_resource_urls)).toBe(true);
  });

  test('covers the kinds a site stack manages besides Secrets', () => {
    const allowed = new Set(role.rule.flatMap((r: Json) => r.resources.map((res: string) => `${r.api_groups[0]}/${res}`)));
    for (const kind of ['/namespaces', '/services', '/configmaps', 'apps/statefulsets', 'batch/cronjobs', 'rbac.authorization.k8s.io/clusterroles']) expect(allowed.has(kind)).toBe(true);
  });

  test('binds the role to the ServiceAccount in the NATS namespace, whose token is not mounted anywhere', () => {
    expect(account).toMatchObject({ metadata: { name: 'harmony-plan-reader', namespace: 'nats' }, automount_service_account_token: false });
    expect(binding.role_ref).toMatchObject({ api_group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' });
    expect(binding.subject).toEqual([
      { kind: 'ServiceAccount', name: expect.stringMatching(/^\$\{kubernetes_service_account_v1\.reader_account_/), namespace: 'nats' },
      { kind: 'ServiceAccount', name: expect.stringMatching(/^\$\{kubernetes_service_account_v1\.reader_drift-account_/), namespace: 'nats' },
    ]);
  });
});

describe('the drift reader', () => {
  const tf: Json = JSON.parse(Testing.synthScope((scope) => new PlanReader(scope, 'reader', { namespace: 'nats', agentNamespace: 'harmony', agentSecret: 'harmony-agent-nkey' })));
  const roles = Object.values(tf.resource.kubernetes_role_v1) as Json[];
  const bindings = Object.values(tf.resource.kubernetes_role_binding_v1) as Json[];
  const cluster = Object.values(tf.resource.kubernetes_cluster_role_binding_v1)[0] as Json;

  test('has the plan reader\'s rights', () => {
    expect(cluster.subject.map((s: Json) => s.name)).toEqual([expect.stringMatching(/service_account_v1\.reader_account_/), expect.stringMatching(/service_account_v1\.reader_drift-account_/)]);
  });

  test("reads the NATS namespace's Secrets (the release's own change names) and only the agent's Secret elsewhere, never writes", () => {
    const byNamespace = Object.fromEntries(roles.map((r) => [r.metadata.namespace, r.rule]));
    expect(byNamespace).toEqual({
      nats: [{ api_groups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }],
      harmony: [{ api_groups: [''], resources: ['secrets'], resource_names: ['harmony-agent-nkey'], verbs: ['get'] }],
    });
    for (const b of bindings) expect(b.subject).toEqual([{ kind: 'ServiceAccount', name: expect.stringMatching(/drift-account/), namespace: 'nats' }]);
  });
});
