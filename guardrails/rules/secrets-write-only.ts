import type { GuardrailRule, Json } from '../rule';

/**
 * A secret never sits in a stored attribute. Terraform keeps every
 * attribute of every resource, and every output, in the state (and in a
 * saved plan), which lives in a bucket and is read by whoever plans. Only
 * write-only arguments (`*_wo`, Terraform >= 1.11) are never stored, and
 * only ephemeral variables are kept out of both state and plan. So:
 * - a variable marked `sensitive` must also be `ephemeral`;
 * - a secret variable is referenced only inside a write-only argument
 *   (never in `*_wo_revision`, which is stored);
 * - nothing else may reference it (an output, a label, a Helm value).
 */
const SECRET_REF = /\bvar\.([A-Za-z_][\w-]*)/g;

const isSecret = (variable: Json): boolean => variable?.sensitive === true || variable?.ephemeral === true;

/** Every string leaf of `value` with its path. */
function* leaves(value: Json, path: readonly string[]): Generator<{ path: readonly string[]; text: string }> {
  if (typeof value === 'string') yield { path, text: value };
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* leaves(v, [...path, String(i)]);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) if (k !== '//') yield* leaves(v, [...path, k]);
}

const inWriteOnly = (path: readonly string[]): boolean => path.some((key) => key.endsWith('_wo'));

export const secretsWriteOnly: GuardrailRule = {
  id: 'secrets-write-only',
  summary: 'secret variables are ephemeral and reach only write-only arguments, never state, plans or outputs',
  check: (block, stack) => {
    const problems: string[] = [];
    for (const { path, text } of leaves(block.body, [])) {
      for (const match of text.matchAll(SECRET_REF)) {
        const name = match[1];
        const variable = stack.variables[name];
        if (!isSecret(variable)) continue;
        if (!inWriteOnly(path)) {
          problems.push(
            `${block.address}.${path.join('.')} uses var.${name}, a secret: Terraform would store it in the state and in saved plans; ` +
              'pass it only to a write-only argument (e.g. kubernetes_secret_v1 data_wo, with data_wo_revision)',
          );
        } else if (variable.ephemeral !== true) {
          problems.push(`${block.address}.${path.join('.')} uses var.${name}, which is sensitive but not ephemeral: mark it ephemeral so it stays out of saved plans too`);
        }
      }
    }
    return problems;
  },
};
