import { Annotations, Aspects, TerraformElement, TerraformStack } from 'cdktf';
import type { IAspect } from 'cdktf';
import type { IConstruct } from 'constructs';
import { stackBlocks } from './blocks';
import type { GuardrailRule } from './rule';
import { DEFAULT_RULES } from './rules';

/**
 * Checks the stack's synthesized JSON against every rule and reports each
 * violation with `Annotations.addError` on the construct that produced it,
 * which fails synth (cdktf throws, or `cdktf synth` prints and exits 1).
 */
export class Guardrails implements IAspect {
  constructor(private readonly rules: readonly GuardrailRule[] = DEFAULT_RULES) {}

  visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node)) return;
    const all = node.node.findAll();
    const byPath = new Map(all.map((c) => [c.node.path, c] as const));
    // Outputs carry no metadata path; their key is the element's friendly id.
    const byId = new Map(all.filter((c): c is TerraformElement => c instanceof TerraformElement).map((e) => [e.friendlyUniqueId, e] as const));
    const tf = node.toTerraform();
    const context = { variables: tf.variable ?? {} };
    for (const block of stackBlocks(tf)) {
      for (const rule of this.rules) {
        for (const message of rule.check(block, context)) {
          const target = (block.constructPath && byPath.get(block.constructPath)) || byId.get(block.address.split('.').pop() ?? '') || node;
          Annotations.of(target).addError(`[${rule.id}] ${message}`);
        }
      }
    }
  }
}

/** Applies the guardrails to one stack. */
export function applyGuardrails(stack: TerraformStack, rules?: readonly GuardrailRule[]): void {
  Aspects.of(stack).add(new Guardrails(rules));
}
