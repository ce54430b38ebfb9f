import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, TerraformStack, Testing, dependable } from 'cdktf';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { applyGuardrails } from '../../guardrails/guardrails';
import type { SynthBlock } from '../../guardrails/rule';
import { staticDependsOn } from '../../guardrails/rules/static-depends-on';

const NO_VARIABLES = { variables: {} };
const block = (body: object): SynthBlock => ({ kind: 'resource', address: 'helm_release.r', type: 'helm_release', body });

describe('static-depends-on', () => {
  test.each([
    ['a resource', 'kubernetes_secret_v1.s'],
    ['an indexed resource', 'kubernetes_secret_v1.s[0]'],
    ['a keyed resource', 'kubernetes_secret_v1.s["a"]'],
    ['a data source', 'data.hcloud_image.i'],
    ['a module', 'module.nixos-anywhere_ABC'],
  ])('compliant: %s', (_, entry) => {
    expect(staticDependsOn.check(block({ depends_on: [entry] }), NO_VARIABLES)).toEqual([]);
  });

  test('compliant: no depends_on at all', () => {
    expect(staticDependsOn.check(block({}), NO_VARIABLES)).toEqual([]);
  });

  test.each([
    ['an interpolation (resource.fqn)', '${kubernetes_secret_v1.s}'],
    ['an attribute path', 'kubernetes_secret_v1.s.metadata'],
    ['a variable', 'var.x'],
    ['a function call', 'one(kubernetes_secret_v1.s)'],
  ])('failing: %s', (_, entry) => {
    expect(staticDependsOn.check(block({ depends_on: [entry] }), NO_VARIABLES)).toEqual([
      `helm_release.r: depends_on entry ${JSON.stringify(entry)} is not a static address; pass the resource to dependsOn (or dependable(resource)), never its fqn or an expression`,
    ]);
  });

  test('failing: a depends_on that is not a list', () => {
    expect(staticDependsOn.check(block({ depends_on: 'kubernetes_secret_v1.s' }), NO_VARIABLES)).toEqual(['helm_release.r: depends_on must be a list of addresses']);
  });
});

describe('the guardrails aspect', () => {
  const stackWith = (wire: (a: ConfigMapV1, b: ConfigMapV1) => void): TerraformStack => {
    const app: App = Testing.app();
    const stack = new TerraformStack(app, 'guarded');
    applyGuardrails(stack);
    new KubernetesProvider(stack, 'k8s', {});
    const a = new ConfigMapV1(stack, 'a', { metadata: { name: 'a' } });
    const b = new ConfigMapV1(stack, 'b', { metadata: { name: 'b' } });
    wire(a, b);
    return stack;
  };

  test('fails synth on a violation, naming the construct, the rule and the fix', () => {
    const stack = stackWith((a, b) => {
      b.dependsOn = [a.fqn];
    });
    expect(() => Testing.fullSynth(stack)).toThrow(
      /\[guarded\/b\] \[static-depends-on\] kubernetes_config_map_v1\.b: depends_on entry "\$\{kubernetes_config_map_v1\.a\}" is not a static address/,
    );
  });

  test('passes a compliant stack, whose synthesized depends_on is the static address', () => {
    const stack = stackWith((a, b) => {
      b.dependsOn = [dependable(a)];
    });
    const out = Testing.fullSynth(stack);
    const tf = JSON.parse(readFileSync(join(out, 'stacks', 'guarded', 'cdk.tf.json'), 'utf8'));
    rmSync(out, { recursive: true, force: true });
    expect(tf.resource.kubernetes_config_map_v1.b.depends_on).toEqual(['kubernetes_config_map_v1.a']);
  });
});
