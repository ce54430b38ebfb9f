/**
 * A guardrail rule is a pure function over one block of a synthesized stack
 * (the JSON Terraform reads), so it checks what will be deployed, whatever
 * construct produced it. It returns one message per violation, each saying
 * what is wrong and how to fix it; an empty list means compliant.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export type BlockKind = 'resource' | 'data' | 'module' | 'output';

export interface SynthBlock {
  readonly kind: BlockKind;
  /** Terraform address: `helm_release.nats_release_ABC`, `data.x.y`, `module.m`, `output.o`. */
  readonly address: string;
  /** Resource or data source type (`kubernetes_service_v1`); the module or output name otherwise. */
  readonly type: string;
  /** The block's body as Terraform reads it. */
  readonly body: Json;
  /** The construct path cdktf records in the block's metadata, when present. */
  readonly constructPath?: string;
}

/** What a rule may know about the rest of the stack. */
export interface StackContext {
  /** The stack's `variable` blocks by name. */
  readonly variables: { readonly [name: string]: Json };
}

export interface GuardrailRule {
  /** Short stable id, printed with every message: `static-depends-on`. */
  readonly id: string;
  /** One line: what the rule guarantees. */
  readonly summary: string;
  readonly check: (block: SynthBlock, stack: StackContext) => readonly string[];
}
