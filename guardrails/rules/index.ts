import type { GuardrailRule } from '../rule';
import { loadBalancersFiltered } from './load-balancers-filtered';
import { noExposedClientPorts } from './no-exposed-client-ports';
import { secretsWriteOnly } from './secrets-write-only';
import { statefulGuarded } from './stateful-guarded';
import { staticDependsOn } from './static-depends-on';

/**
 * Every rule applied to every stack of the app. To add one: a file in this
 * folder exporting a GuardrailRule (an id, a one-line summary, a pure
 * `check` over one synthesized block that returns a message per violation
 * naming the address and the fix), listed here, with a compliant and a
 * failing test in test/guardrails/. The Guardrails aspect reports each
 * message as an error annotation on the construct, which fails synth.
 */
export const DEFAULT_RULES: readonly GuardrailRule[] = [staticDependsOn, secretsWriteOnly, statefulGuarded, noExposedClientPorts, loadBalancersFiltered];
