import type { GuardrailRule } from '../rule';

/**
 * Terraform reads `depends_on` before anything else and accepts only static
 * addresses there: `terraform init` refuses `"${kubernetes_secret_v1.x}"`
 * ("A single static variable reference is required"), which stops every
 * plan of the stack. In cdktf that is what `resource.fqn` renders; passing
 * the resource itself to `dependsOn` (or `dependable(resource)`) renders the
 * address.
 */
const STATIC_ADDRESS = /^(?!(?:var|local|each|count|path|self|terraform)\.)(?:(?:data\.)?[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*(?:\[(?:\d+|"[^"]*")\])?|module\.[A-Za-z_][\w-]*)$/;

export const staticDependsOn: GuardrailRule = {
  id: 'static-depends-on',
  summary: 'every depends_on entry is a static resource, data source or module address',
  check: (block) => {
    const entries: unknown = block.body?.depends_on;
    if (entries === undefined) return [];
    if (!Array.isArray(entries)) return [`${block.address}: depends_on must be a list of addresses`];
    return entries
      .filter((entry) => typeof entry !== 'string' || !STATIC_ADDRESS.test(entry))
      .map(
        (entry) =>
          `${block.address}: depends_on entry ${JSON.stringify(entry)} is not a static address; ` +
          'pass the resource to dependsOn (or dependable(resource)), never its fqn or an expression',
      );
  },
};
