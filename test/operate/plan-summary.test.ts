import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlanJson, ResourceChange } from '../../lib/operate/plan-summary';
import { changeKind, parsePlanJson, renderSummary, summarizeStack } from '../../lib/operate/plan-summary';

/** One entry of `resource_changes`, as `terraform show -json` writes it. */
const rc = (address: string, actions: string[], extra: Partial<ResourceChange> = {}): ResourceChange => ({
  address,
  type: address.split('.').slice(-2)[0],
  mode: 'managed',
  change: { actions },
  ...extra,
});

const plan = (...changes: ResourceChange[]): PlanJson => ({ format_version: '1.2', resource_changes: changes });

/** A site stack's first deploy: everything is created. */
const siteCreate = plan(
  rc('kubernetes_namespace_v1.nats_namespace_1A2B3C4D', ['create']),
  rc('kubernetes_secret_v1.nats_tls_5E6F7A8B', ['create']),
  rc('helm_release.nats_release_9C0D1E2F', ['create']),
);

/** An mgmt plan that replaces the server (e.g. an image change without the lifecycle guard) and reinstalls it. */
const mgmtReplace = plan(
  rc('hcloud_server.host_server_A1B2C3D4', ['delete', 'create'], { action_reason: 'replace_because_cannot_update' }),
  rc('module.host_nixos-anywhere_0A1B2C3D.module.install.null_resource.nixos-remote', ['delete', 'create'], { type: 'null_resource' }),
  rc('module.host_nixos-anywhere_0A1B2C3D.module.nixos-rebuild[0].null_resource.nixos-rebuild', ['delete', 'create'], { type: 'null_resource' }),
  rc('hcloud_rdns.host_rdns-ipv4_11223344', ['update']),
  rc('hcloud_primary_ip.host_ipv4_55667788', ['no-op']),
  rc('module.host_nixos-anywhere_0A1B2C3D.module.system-build.data.external.nix-build', ['read'], { mode: 'data', type: 'external' }),
);

/** A site stack that loses its data: PVC deleted, StatefulSet replaced (create_before_destroy order), namespace deleted. */
const siteDestroy = plan(
  rc('kubernetes_persistent_volume_claim_v1.nats_data_0', ['delete'], { action_reason: 'delete_because_no_resource_config' }),
  rc('kubernetes_stateful_set_v1.nats_sts', ['create', 'delete']),
  rc('kubernetes_namespace.nats_ns', ['delete']),
  rc('kubernetes_config_map_v1.nats_cm', ['delete']),
);

describe('summarizeStack', () => {
  test('counts like terraform plan: a replace is one add and one destroy; no-op and data reads are not changes', () => {
    const s = summarizeStack('mgmt', mgmtReplace);
    expect({ add: s.add, change: s.change, destroy: s.destroy, replace: s.replace }).toEqual({ add: 3, change: 1, destroy: 3, replace: 3 });
    expect(s.changes.map((c) => c.kind)).toEqual(['replace', 'replace', 'replace', 'update']);
  });

  test('creates only: no warning', () => {
    const s = summarizeStack('nats-site-1', siteCreate);
    expect({ add: s.add, change: s.change, destroy: s.destroy }).toEqual({ add: 3, change: 0, destroy: 0 });
    expect(s.warnings).toEqual([]);
  });

  test('warns on replacing the server and on a nixos-anywhere reinstall, not on a nixos-rebuild', () => {
    const w = summarizeStack('mgmt', mgmtReplace).warnings;
    expect(w.map((x) => [x.kind, x.address])).toEqual([
      ['replace', 'hcloud_server.host_server_A1B2C3D4'],
      ['replace', 'module.host_nixos-anywhere_0A1B2C3D.module.install.null_resource.nixos-remote'],
    ]);
    expect(w[0].reason).toBe('replace_because_cannot_update');
    expect(w[1].what).toMatch(/wipes the disk/);
  });

  test('warns on deleting a PVC or namespace and replacing a StatefulSet; a ConfigMap delete is counted but not critical', () => {
    const s = summarizeStack('nats-site-2', siteDestroy);
    expect(s.warnings.map((x) => [x.kind, x.address])).toEqual([
      ['delete', 'kubernetes_persistent_volume_claim_v1.nats_data_0'],
      ['replace', 'kubernetes_stateful_set_v1.nats_sts'],
      ['delete', 'kubernetes_namespace.nats_ns'],
    ]);
    expect(s.destroy).toBe(4);
  });

  test.each([
    ['hcloud_primary_ip.host_ipv6_1', 'hcloud_primary_ip'],
    ['helm_release.nats_release_1', 'helm_release'],
    ['kubernetes_stateful_set.nats', 'kubernetes_stateful_set'],
    ['kubernetes_persistent_volume_claim.data', 'kubernetes_persistent_volume_claim'],
    ['kubernetes_namespace_v1.nats', 'kubernetes_namespace_v1'],
  ])('deleting %s is critical', (address, type) => {
    expect(summarizeStack('s', plan(rc(address, ['delete'], { type }))).warnings).toHaveLength(1);
    expect(summarizeStack('s', plan(rc(address, ['update'], { type }))).warnings).toHaveLength(0);
    expect(summarizeStack('s', plan(rc(address, ['create'], { type }))).warnings).toHaveLength(0);
  });

  test('changeKind', () => {
    expect(changeKind(['delete', 'create'])).toBe('replace');
    expect(changeKind(['create', 'delete'])).toBe('replace');
    expect(changeKind(['no-op'])).toBe('no-op');
    expect(changeKind([])).toBe('no-op');
    expect(changeKind(['read'])).toBe('read');
  });

  test('a plan without resource_changes (nothing configured) is empty', () => {
    expect(summarizeStack('s', { format_version: '1.2' })).toMatchObject({ add: 0, change: 0, destroy: 0, changes: [], warnings: [] });
  });
});

describe('renderSummary', () => {
  const md = renderSummary(
    [
      { stack: 'mgmt', plan: mgmtReplace, backend: 's3' },
      { stack: 'nats-site-1', plan: siteCreate, backend: 's3' },
      { stack: 'nats-site-2', plan: siteDestroy, backend: 's3' },
      { stack: 'nats-site-3', failure: 'refused: KUBECONFIG_SITE_3 is not set', backend: 's3' },
    ],
    { subtitle: 'Planned at abc123.' },
  );

  test('one table row per stack with adds, changes, destroys, replaces, moves, imports', () => {
    expect(md).toContain('| Stack | Add | Change | Destroy | Replace | Move | Import | |');
    expect(md).toContain('| `mgmt` | 3 | 1 | 3 | 3 | 0 | 0 | :rotating_light: destroys critical resources |');
    expect(md).toContain('| `nats-site-1` | 3 | 0 | 0 | 0 | 0 | 0 |  |');
    expect(md).toContain('| `nats-site-2` | 1 | 0 | 4 | 1 | 0 | 0 | :rotating_light: destroys critical resources |');
    expect(md).toContain('| `nats-site-3` | | | | | | | :x: refused: KUBECONFIG_SITE_3 is not set |');
    expect(md.startsWith('## Terraform plan\n\nPlanned at abc123.\n')).toBe(true);
  });

  test('a loud caution block lists every critical delete or replace before the table', () => {
    const caution = md.indexOf('> [!CAUTION]');
    expect(caution).toBeGreaterThan(0);
    expect(caution).toBeLessThan(md.indexOf('| Stack |'));
    expect(md).toContain('destroys or replaces 5 resources that a rebuild cannot give back');
    expect(md).toContain('> - **REPLACE** `hcloud_server.host_server_A1B2C3D4` in `mgmt`: the management server');
    expect(md).toContain('> - **DELETE** `kubernetes_persistent_volume_claim_v1.nats_data_0` in `nats-site-2`');
    expect(md).toContain('(Terraform: delete_because_no_resource_config)');
    expect(md).toContain('> No plan for `nats-site-3`');
  });

  test('no warning block when nothing critical is destroyed', () => {
    const quiet = renderSummary([{ stack: 'nats-site-1', plan: siteCreate }, { stack: 'nats-site-2', plan: plan() }]);
    expect(quiet).not.toContain('[!CAUTION]');
    expect(quiet).not.toContain('[!WARNING]');
    expect(quiet).toContain('| `nats-site-2` | 0 | 0 | 0 | 0 | 0 | 0 | no changes |');
  });

  test('per-stack details list addresses and actions, capped', () => {
    expect(md).toContain('<details><summary><code>mgmt</code>: 4 changes</summary>');
    expect(md).toContain('- replace hcloud_server.host_server_A1B2C3D4');
    expect(md).toContain('+ create  helm_release.nats_release_9C0D1E2F');
    expect(md).toContain('! update  hcloud_rdns.host_rdns-ipv4_11223344');
    const many = plan(...Array.from({ length: 60 }, (_, i) => rc(`kubernetes_secret_v1.s${i}`, ['create'])));
    const capped = renderSummary([{ stack: 'big', plan: many }], { maxListed: 10 });
    expect(capped).toContain('# ... and 50 more');
    expect(capped.match(/kubernetes_secret_v1\.s\d+/g)).toHaveLength(10);
  });

  test('a local backend is called out: CI has no state for it', () => {
    const local = renderSummary([{ stack: 'mgmt', plan: mgmtReplace, backend: 'local' }]);
    expect(local).toContain('> `mgmt` uses the local backend: CI has no state for it');
  });

  test('never reads values: sensitive attributes and variables in the plan do not reach the summary', () => {
    const leaky = {
      format_version: '1.2',
      variables: { nats_route_password: { value: 'pwSECRETVALUE' } },
      resource_changes: [{ ...rc('kubernetes_secret_v1.nats_tls', ['update']), change: { actions: ['update'], before: { data: { 'tls.key': 'KEYSECRET' } }, after: { data: { 'tls.key': 'KEYSECRET2' } } } }],
    } as unknown as PlanJson;
    const out = renderSummary([{ stack: 'nats-site-1', plan: leaky }]);
    expect(out).not.toMatch(/SECRET/);
  });
});

describe('parsePlanJson', () => {
  test('errors quote nothing from the file', () => {
    expect(() => parsePlanJson('{"variables": {"x": "pwSECRET"', 'nats-site-1.json')).toThrow('nats-site-1.json is not JSON');
    try {
      parsePlanJson('{"variables": {"x": "pwSECRET"', 'f');
    } catch (e) {
      expect((e as Error).message).not.toContain('SECRET');
    }
    expect(() => parsePlanJson('[]', 'f')).toThrow('not a Terraform JSON plan');
    expect(() => parsePlanJson('{"resource_changes": {}}', 'f')).toThrow('resource_changes is not a list');
  });
});

describe('scripts/plan-summary.ts', () => {
  test('reads every stack of the manifest: plans, failures and missing plans', () => {
    const dir = mkdtempSync(join(tmpdir(), 'harmony-plan-summary-'));
    try {
      const synth = join(dir, 'cdktf.out');
      const plans = join(dir, 'plans');
      mkdirSync(plans, { recursive: true });
      const stacks = ['mgmt', 'nats-site-1', 'nats-site-2', 'nats-site-3'];
      writeFileSync(join(dirOf(synth), 'manifest.json'), JSON.stringify({ stacks: Object.fromEntries(stacks.map((s) => [s, {}])) }));
      for (const s of stacks) {
        mkdirSync(join(synth, 'stacks', s), { recursive: true });
        writeFileSync(join(synth, 'stacks', s, 'cdk.tf.json'), JSON.stringify({ terraform: { backend: { s3: {} } } }));
      }
      writeFileSync(join(plans, 'mgmt.json'), JSON.stringify(mgmtReplace));
      writeFileSync(join(plans, 'nats-site-1.json'), JSON.stringify(siteCreate));
      writeFileSync(join(plans, 'nats-site-2.failed'), 'terraform plan failed (see the job log)\n');
      const out = join(dir, 'summary.md');
      const r = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', join(__dirname, '..', '..', 'scripts', 'plan-summary.ts'), '--plans', plans, '--synth-dir', synth, '--out', out], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(1); // some stacks have no plan
      const md = readFileSync(out, 'utf8');
      expect(md).toContain('| `mgmt` | 3 | 1 | 3 | 3 |');
      expect(md).toContain('| `nats-site-2` | | | | | | | :x: terraform plan failed (see the job log) |');
      expect(md).toContain('| `nats-site-3` | | | | | | | :x: no plan was produced (see the job log) |');
      expect(md).toContain('[!CAUTION]');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

function dirOf(synth: string): string {
  mkdirSync(synth, { recursive: true });
  return synth;
}

/*
 * The documented `terraform show -json` format (Terraform 1.11, "JSON Output
 * Format"): replace in either order, sensitive and unknown values, moved and
 * imported resources, forget. Written out here as Terraform writes them.
 */
describe('the JSON plan format, case by case', () => {
  const secret = 'pw0123456789abcdef0123456789abcdef';
  const documented: PlanJson = {
    format_version: '1.2',
    resource_changes: [
      // Replace, destroy first (the default), with values marked sensitive and unknown.
      {
        address: 'kubernetes_secret_v1.auth',
        type: 'kubernetes_secret_v1',
        mode: 'managed',
        action_reason: 'replace_because_cannot_update',
        change: { actions: ['delete', 'create'], before: { data: { 'route-password': secret } }, after: { data: { 'route-password': secret } }, before_sensitive: { data: true }, after_sensitive: { data: true }, after_unknown: { id: true }, replace_paths: [['metadata']] } as never,
      },
      // Replace, create first (create_before_destroy).
      { address: 'kubernetes_config_map_v1.cm', type: 'kubernetes_config_map_v1', mode: 'managed', change: { actions: ['create', 'delete'] } },
      // A rename through a moved block: no change to the object.
      { address: 'kubernetes_service_v1.gateway_new', previous_address: 'kubernetes_service_v1.gateway_old', type: 'kubernetes_service_v1', mode: 'managed', change: { actions: ['no-op'] } },
      // Moved and updated in the same plan.
      { address: 'kubernetes_namespace_v1.ns_new', previous_address: 'kubernetes_namespace_v1.ns_old', type: 'kubernetes_namespace_v1', mode: 'managed', change: { actions: ['update'] } },
      // Imported by an import block, unchanged; and imported then updated.
      { address: 'hcloud_primary_ip.ipv4', type: 'hcloud_primary_ip', mode: 'managed', change: { actions: ['no-op'], importing: { id: '4711' } } },
      { address: 'hcloud_rdns.ipv4', type: 'hcloud_rdns', mode: 'managed', change: { actions: ['update'], importing: { id: 'p-4711-1.2.3.4' } } },
      // Removed from management without destroying it (a removed block).
      { address: 'kubernetes_job_v1.old', type: 'kubernetes_job_v1', mode: 'managed', change: { actions: ['forget'] } },
      // An unknown value in a create.
      { address: 'helm_release.nats', type: 'helm_release', mode: 'managed', change: { actions: ['create'], after_unknown: { metadata: true } } as never },
    ],
  };
  const s = summarizeStack('nats-site-1', documented);

  test('counts: replaces once in add and destroy, moves and imports apart, forget is no destroy', () => {
    expect({ add: s.add, change: s.change, destroy: s.destroy, replace: s.replace, moved: s.moved, imported: s.imported }).toEqual({ add: 3, change: 2, destroy: 2, replace: 2, moved: 2, imported: 2 });
  });

  test('lists each with what happens: the replace order, the old address, the import', () => {
    const md = renderSummary([{ stack: 'nats-site-1', plan: documented }]);
    expect(md).toContain('- replace kubernetes_secret_v1.auth  (destroy first)');
    expect(md).toContain('- replace kubernetes_config_map_v1.cm  (create first)');
    expect(md).toContain('! move    kubernetes_service_v1.gateway_new  (moved from kubernetes_service_v1.gateway_old)');
    expect(md).toContain('! update  kubernetes_namespace_v1.ns_new  (moved from kubernetes_namespace_v1.ns_old)');
    expect(md).toContain('! import  hcloud_primary_ip.ipv4');
    expect(md).toContain('! update  hcloud_rdns.ipv4  (imported)');
    expect(md).toContain('! forget  kubernetes_job_v1.old');
    expect(md).toContain('+ create  helm_release.nats');
  });

  test('never a value, sensitive or not', () => {
    const md = renderSummary([{ stack: 'nats-site-1', plan: documented }]);
    expect(md).not.toContain(secret);
    expect(md).not.toMatch(/route-password/);
  });
});

describe('large plans', () => {
  const many = (n: number, prefix: string): PlanJson => plan(...Array.from({ length: n }, (_, i) => rc(`kubernetes_config_map_v1.${prefix}_${'x'.repeat(40)}_${i}`, ['update'])));

  test('a 2,000-resource plan (per stack) summarizes into one comment, with the counts whole and a pointer to the artifacts', () => {
    const results = ['mgmt', 'nats-site-1', 'nats-site-2', 'nats-site-3'].map((stack) => ({ stack, plan: many(2000, stack) }));
    const md = renderSummary(results, { artifactsUrl: 'https://github.com/o/r/actions/runs/1' });
    expect(md.length).toBeLessThanOrEqual(60_000);
    expect(md).toContain('| `nats-site-2` | 0 | 2000 | 0 | 0 | 0 | 0 |  |');
    expect(md).toContain('[workflow artifacts](https://github.com/o/r/actions/runs/1)');
    expect(md).toMatch(/# \.\.\. and \d+ more \(in the artifacts\)/);
  });

  test('a small plan lists everything', () => {
    const md = renderSummary([{ stack: 'mgmt', plan: many(20, 'm') }]);
    expect(md.match(/^! update/gm)).toHaveLength(20);
    expect(md).not.toContain('more (');
  });

  test('thousands of critical warnings still fit', () => {
    const doom = plan(...Array.from({ length: 3000 }, (_, i) => rc(`kubernetes_namespace_v1.ns_${i}`, ['delete'])));
    const md = renderSummary([{ stack: 'nats-site-1', plan: doom }]);
    expect(md.length).toBeLessThanOrEqual(60_000);
    expect(md).toContain('> - ... and 2950 more (see the artifacts)');
  });
});
