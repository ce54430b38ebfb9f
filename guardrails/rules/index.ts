import type { GuardrailRule } from '../rule';
import { secretsWriteOnly } from './secrets-write-only';
import { staticDependsOn } from './static-depends-on';

/** Every rule applied to every stack of the app. */
export const DEFAULT_RULES: readonly GuardrailRule[] = [staticDependsOn, secretsWriteOnly];
