import type { SynthBlock } from '../../guardrails/rule';
import { secretsWriteOnly } from '../../guardrails/rules/secrets-write-only';

const variables = {
  seed: { type: 'string', sensitive: true, ephemeral: true },
  legacy: { type: 'string', sensitive: true },
  plain: { type: 'string' },
};
const resource = (body: object): SynthBlock => ({ kind: 'resource', address: 'kubernetes_secret_v1.s', type: 'kubernetes_secret_v1', body });
const check = (block: SynthBlock) => secretsWriteOnly.check(block, { variables });

describe('secrets-write-only', () => {
  test('compliant: an ephemeral secret in a write-only argument, its revision a literal', () => {
    expect(check(resource({ data_wo: { 'agent.nk': '${var.seed}' }, data_wo_revision: 3 }))).toEqual([]);
  });

  test('compliant: a non-secret variable anywhere', () => {
    expect(check(resource({ metadata: { name: '${var.plain}' } }))).toEqual([]);
  });

  test('failing: a secret in a stored attribute (data), naming the path and the fix', () => {
    expect(check(resource({ data: { 'agent.nk': '${var.seed}' } }))).toEqual([
      'kubernetes_secret_v1.s.data.agent.nk uses var.seed, a secret: Terraform would store it in the state and in saved plans; pass it only to a write-only argument (e.g. kubernetes_secret_v1 data_wo, with data_wo_revision)',
    ]);
  });

  test('failing: a secret inside an interpolation, a list, or the revision', () => {
    expect(check(resource({ metadata: { annotations: { h: '${sha256(var.seed)}' } } }))).toHaveLength(1);
    expect(check(resource({ values: ['x', '${var.seed}'] }))).toHaveLength(1);
    expect(check(resource({ data_wo_revision: '${length(var.seed)}' }))).toHaveLength(1);
  });

  test('failing: an output that reveals a secret', () => {
    expect(check({ kind: 'output', address: 'output.o', type: 'o', body: { value: '${var.seed}' } })).toEqual([
      expect.stringMatching(/^output\.o\.value uses var\.seed, a secret/),
    ]);
  });

  test('failing: a sensitive variable that is not ephemeral, even in a write-only argument', () => {
    expect(check(resource({ data_wo: { k: '${var.legacy}' } }))).toEqual([
      'kubernetes_secret_v1.s.data_wo.k uses var.legacy, which is sensitive but not ephemeral: mark it ephemeral so it stays out of saved plans too',
    ]);
  });

  test('cdktf metadata is not configuration', () => {
    expect(check(resource({ '//': { note: 'var.seed' }, data_wo: { k: '${var.seed}' } }))).toEqual([]);
  });
});
