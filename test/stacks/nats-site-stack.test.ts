import { Testing } from 'cdktf';
import type { Fleet } from '../../config/types';
import { ACCOUNTS_CHECKSUM_ANNOTATION } from '../../constructs/harmony-account';
import { renderAccounts } from '../../lib/nats/accounts';
import { NATS_CHART, siteHelmValues } from '../../lib/nats/helm-values';
import { NatsSiteStack } from '../../stacks/nats-site-stack';
import { SITE_VARIABLES } from '../../stacks/site-variables';
import { exampleFleet, exampleIdentities, withSite } from '../fixtures/fleet';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function synth(fleet: Fleet = exampleFleet, index = 0): Json {
  const app = Testing.app();
  return JSON.parse(Testing.synth(new NatsSiteStack(app, `nats-${fleet.sites[index].name}`, { fleet, site: fleet.sites[index], identities: exampleIdentities })));
}
const one = (tf: Json, type: string, name?: string): Json => {
  const blocks = Object.values(tf.resource[type] ?? {}) as Json[];
  const found = name ? blocks.filter((b) => b.metadata?.name === name) : blocks;
  if (found.length !== 1) throw new Error(`expected one ${type} ${name ?? ''}, got ${found.length}`);
  return found[0];
};

/** The Terraform name of the one `type` block whose metadata.name is `name`. */
const key = (tf: Json, type: string, name: string): string => {
  const names = Object.entries(tf.resource[type] ?? {}).filter(([, b]) => (b as Json).metadata?.name === name).map(([k]) => k);
  if (names.length !== 1) throw new Error(`expected one ${type} ${name}, got ${names.length}`);
  return names[0];
};

describe('NatsSiteStack', () => {
  const tf = synth();

  test('matches the snapshot', () => {
    expect(tf).toMatchSnapshot();
  });

  test("providers target the site's own kubeconfig and context; helm takes kubernetes as an object", () => {
    expect(tf.provider.kubernetes).toEqual([{ config_path: '~/.kube/site-1.yaml', config_context: 'site-1' }]);
    expect(tf.provider.helm[0].kubernetes).toEqual({ config_path: '~/.kube/site-1.yaml', config_context: 'site-1' });
  });

  test('a repo-relative kubeconfig path is made relative to the stack directory', () => {
    const t = synth(withSite(0, { kubernetes: { configPath: 'kube/site-1.yaml', context: 'c' } }));
    expect(t.provider.kubernetes[0].config_path).toBe('../../../kube/site-1.yaml');
  });

  test('the release is the pinned official chart with values derived from the fleet, not waiting for readiness', () => {
    const release = one(tf, 'helm_release');
    expect(release).toMatchObject({ name: 'nats', chart: 'nats', repository: NATS_CHART.repository, version: NATS_CHART.version, wait: false });
    expect(JSON.parse(release.values[0])).toEqual(siteHelmValues(exampleFleet, exampleFleet.sites[0]));
    // Static addresses only: terraform init refuses an interpolation here.
    expect(release.depends_on).toEqual([
      `kubernetes_secret_v1.${key(tf, 'kubernetes_secret_v1', 'nats-tls')}`,
      `kubernetes_secret_v1.${key(tf, 'kubernetes_secret_v1', 'nats-auth')}`,
      `kubernetes_secret_v1.${key(tf, 'kubernetes_secret_v1', 'nats-accounts')}`,
    ]);
  });

  test('secrets come from ephemeral variables into write-only arguments only, each with its revision', () => {
    for (const name of Object.values(SITE_VARIABLES)) expect(tf.variable[name]).toMatchObject({ type: 'string', sensitive: true, ephemeral: true, nullable: false });
    const tls = one(tf, 'kubernetes_secret_v1', 'nats-tls');
    expect(tls.data).toBeUndefined();
    expect(tls.data_wo).toEqual({ 'tls.crt': '${var.nats_tls_cert}', 'tls.key': '${var.nats_tls_key}', 'ca.crt': '${var.nats_ca_cert}' });
    expect(tls.data_wo_revision).toBe(1);
    const auth = one(tf, 'kubernetes_secret_v1', 'nats-auth');
    expect(auth.data).toBeUndefined();
    expect(auth.data_wo).toEqual({ 'route-password': '${var.nats_route_password}', 'gateway-password': '${var.nats_gateway_password}' });
    expect(one(tf, 'kubernetes_secret_v1', 'harmony-agent-nkey')).toMatchObject({ data_wo: { 'agent.nk': '${var.harmony_agent_seed}' }, data_wo_revision: 1 });
    expect(one(tf, 'kubernetes_secret_v1', 'harmony-agent-nkey').data).toBeUndefined();
    expect(one(tf, 'kubernetes_secret_v1', 'harmony-provisioner-nkey')).toMatchObject({ data_wo: { 'provisioner.nk': '${var.harmony_provisioner_seed}' }, data_wo_revision: 1 });
    expect(one(tf, 'kubernetes_secret_v1', 'harmony-provisioner-nkey').data).toBeUndefined();
  });

  test("each Secret's write-only revision is this site's revision of it (a bump rewrites the Secret)", () => {
    const revisions = { 'nats-tls': 4, 'nats-auth': 9, 'harmony-agent-nkey': 2, 'harmony-provisioner-nkey': 7, 'harmony-kv-snapshot-nkey': 3, 'harmony-kv-snapshot-restic': 5 };
    const app = Testing.app();
    const t = JSON.parse(Testing.synth(new NatsSiteStack(app, 'nats-site-1', { fleet: exampleFleet, site: exampleFleet.sites[0], identities: exampleIdentities, revisions })));
    for (const [name, revision] of Object.entries(revisions)) expect(one(t, 'kubernetes_secret_v1', name).data_wo_revision).toBe(revision);
  });

  test('no variable reference outside a write-only argument names a secret, anywhere in the stack', () => {
    // Every string that references a variable, with the path of keys that leads to it.
    const uses: { path: string[]; variable: string }[] = [];
    const walk = (node: unknown, path: string[]): void => {
      if (typeof node === 'string') for (const m of node.matchAll(/\$\{var\.(\w+)\}/g)) uses.push({ path, variable: m[1] });
      else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
    };
    walk({ resource: tf.resource, output: tf.output ?? {}, data: tf.data ?? {}, locals: tf.locals ?? {} }, []);
    // The home site's stack: every secret variable, the KV snapshot CronJob's three included.
    expect(uses.map((u) => u.variable).sort()).toEqual(Object.values(SITE_VARIABLES).sort());
    // Each is a value of a data_wo map, directly: never inside data, a template, an env or an output.
    for (const use of uses) expect(use.path.slice(-2, -1)).toEqual(['data_wo']);
  });

  test("the agent's seed lands in the agent namespace", () => {
    expect(one(tf, 'kubernetes_namespace_v1', 'harmony')).toBeDefined();
    expect(one(tf, 'kubernetes_secret_v1', 'harmony-agent-nkey').metadata.namespace).toMatch(/kubernetes_namespace_v1\..*\.metadata\[0\]\.name/);
  });

  test('the accounts Secret holds the rendered accounts and their checksum', () => {
    const secret = one(tf, 'kubernetes_secret_v1', 'nats-accounts');
    const accounts = renderAccounts(exampleFleet, exampleIdentities);
    expect(secret.data['accounts.conf']).toBe(accounts.text);
    expect(secret.metadata.annotations[ACCOUNTS_CHECKSUM_ANNOTATION]).toBe(accounts.checksum);
    expect(tf.output.accounts_checksum.value).toBe(accounts.checksum);
  });

  test('every site carries the same account definition (no configuration drift)', () => {
    const perSite = exampleFleet.sites.map((_, i) => one(synth(exampleFleet, i), 'kubernetes_secret_v1', 'nats-accounts'));
    expect(new Set(perSite.map((s) => s.metadata.annotations[ACCOUNTS_CHECKSUM_ANNOTATION])).size).toBe(1);
    expect(new Set(perSite.map((s) => s.data['accounts.conf'])).size).toBe(1);
    const releases = exampleFleet.sites.map((_, i) => one(synth(exampleFleet, i), 'helm_release').description);
    expect(releases).toEqual(exampleFleet.sites.map(() => `accounts sha256 ${renderAccounts(exampleFleet, exampleIdentities).checksum}`));
  });

  test('the gateway Service exposes only the gateway port and publishes not-ready pods', () => {
    const service = one(tf, 'kubernetes_service_v1', 'nats-gateway');
    expect(service.spec).toMatchObject({ type: 'LoadBalancer', publish_not_ready_addresses: true });
    expect(service.spec.port).toEqual([{ name: 'gateway', port: 7222, target_port: 'gateway' }]);
    expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/instance': 'nats', 'app.kubernetes.io/component': 'nats' });
  });

  test("the agent's namespace gets its read settings: this site's own stream first, the origin's name as fallback", () => {
    const expected = { 'site-1': 'KV_HARMONY', 'site-2': 'KV_HARMONY_site-2', 'site-3': 'KV_HARMONY_site-3' } as Record<string, string>;
    exampleFleet.sites.forEach((site, i) => {
      const config = one(synth(exampleFleet, i), 'kubernetes_config_map_v1', 'harmony-agent-kv');
      expect(config.metadata.namespace).toMatch(/^\$\{kubernetes_namespace_v1\.account_agent-namespace_\w+\.metadata\[0\]\.name\}$/);
      expect(JSON.parse(config.data['settings.json'])).toEqual({ bucket: 'HARMONY', localStream: expected[site.name], originStream: 'KV_HARMONY' });
    });
  });

  test("only the other sites' addresses and the mgmt host's TLS probe may reach the gateway Service", () => {
    const mgmt = ['203.0.113.10/32', '2001:db8::/64'];
    expect(one(tf, 'kubernetes_service_v1', 'nats-gateway').spec.load_balancer_source_ranges).toEqual(['198.51.100.22/32', '198.51.100.23/32', '203.0.113.32/32', '203.0.113.33/32', ...mgmt]);
    const t = synth(withSite(0, { gateway: { ...exampleFleet.sites[0].gateway, peerSourceRanges: ['198.51.100.0/24'] } }));
    expect(one(t, 'kubernetes_service_v1', 'nats-gateway').spec.load_balancer_source_ranges).toEqual(['198.51.100.0/24', ...mgmt]);
  });

  test('each server\'s exporter is published on its own port, to the mgmt host only', () => {
    const services = [0, 1, 2].map((i) => one(tf, 'kubernetes_service_v1', `nats-metrics-${i}`));
    expect(services.map((s) => s.spec)).toEqual(
      [0, 1, 2].map((i) => ({
        type: 'LoadBalancer',
        selector: { 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/instance': 'nats', 'app.kubernetes.io/component': 'nats', 'statefulset.kubernetes.io/pod-name': `nats-${i}` },
        publish_not_ready_addresses: true,
        load_balancer_source_ranges: ['203.0.113.10/32', '2001:db8::/64'],
        port: [{ name: 'prom-metrics', port: 7777 + i, target_port: 'prom-metrics' }],
      })),
    );
    expect(services.every((s) => s.wait_for_load_balancer === false)).toBe(true);
    const helm = JSON.parse(one(tf, 'helm_release').values[0]);
    expect(helm.promExporter).toEqual({ enabled: true });
  });

  test('without mgmt.monitoring.scrapeFrom no metrics Service exists; with a NodePort gateway they are node ports', () => {
    const unset = synth({ ...exampleFleet, mgmt: { ...exampleFleet.mgmt, monitoring: { receiver: { kind: 'webhook' } } } });
    expect(Object.keys(unset.resource.kubernetes_service_v1).filter((k) => k.includes('metrics'))).toEqual([]);
    const np = synth(withSite(0, { gateway: { ...exampleFleet.sites[0].gateway, exposure: 'NodePort', port: 30722 }, metrics: { port: 30777 } }));
    expect(one(np, 'kubernetes_service_v1', 'nats-metrics-2').spec).toMatchObject({ type: 'NodePort', port: [{ name: 'prom-metrics', port: 7777, target_port: 'prom-metrics', node_port: 30779 }] });
    expect(one(np, 'kubernetes_service_v1', 'nats-metrics-2').spec.load_balancer_source_ranges).toBeUndefined();
  });

  test('the release and both namespaces are guarded against destroy (stateful-guarded)', () => {
    expect(one(tf, 'helm_release').lifecycle).toEqual({ prevent_destroy: true });
    expect(one(tf, 'kubernetes_namespace_v1', 'nats').lifecycle).toEqual({ prevent_destroy: true });
    expect(one(tf, 'kubernetes_namespace_v1', 'harmony').lifecycle).toEqual({ prevent_destroy: true });
  });

  test('the apply does not wait for a LoadBalancer address (ServiceLB missing or port taken would hang it)', () => {
    expect(one(tf, 'kubernetes_service_v1', 'nats-gateway').wait_for_load_balancer).toBe(false);
  });

  test("the release's values carry this site's Secret revisions", () => {
    const revisions = { 'nats-tls': 4, 'nats-auth': 9, 'harmony-agent-nkey': 1, 'harmony-provisioner-nkey': 1, 'harmony-kv-snapshot-nkey': 1, 'harmony-kv-snapshot-restic': 1 };
    const app = Testing.app();
    const stack = new NatsSiteStack(app, 'nats-site-1', { fleet: exampleFleet, site: exampleFleet.sites[0], identities: exampleIdentities, revisions });
    const values = JSON.parse(one(JSON.parse(Testing.synth(stack)), 'helm_release').values[0]);
    expect(values.podTemplate.merge.metadata.annotations).toEqual({ 'harmony-infra/secret-revisions': 'nats-auth=9,nats-tls=4' });
  });

  test('NodePort exposure puts the fleet port on the node port', () => {
    const t = synth(withSite(0, { gateway: { ...exampleFleet.sites[0].gateway, exposure: 'NodePort', port: 30722 } }));
    expect(one(t, 'kubernetes_service_v1', 'nats-gateway').spec.port).toEqual([{ name: 'gateway', port: 7222, target_port: 'gateway', node_port: 30722 }]);
  });

  test('outputs name the gateway peers: every other site', () => {
    expect(tf.output.gateway_peers.value).toEqual(['site-2', 'site-3']);
    expect(tf.output.gateway_advertise.value).toBe('nats-gw.site-1.example.org:7222');
  });

  test('nothing private is synthesized', () => {
    const text = JSON.stringify(tf);
    expect(text).not.toMatch(/PRIVATE KEY|S[OAUXNC][A-Z2-7]{56}|AGE-SECRET-KEY/);
  });
});
