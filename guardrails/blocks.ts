import type { BlockKind, Json, SynthBlock } from './rule';

const metadataPath = (body: Json): string | undefined => body?.['//']?.metadata?.path;

/** Every resource, data source, module and output of a synthesized stack, with its address. */
export function stackBlocks(tf: Json): SynthBlock[] {
  const blocks: SynthBlock[] = [];
  const add = (kind: BlockKind, address: string, type: string, body: Json) =>
    blocks.push({ kind, address, type, body, constructPath: metadataPath(body) });
  for (const [type, byName] of Object.entries<Json>(tf.resource ?? {})) {
    for (const [name, body] of Object.entries<Json>(byName)) add('resource', `${type}.${name}`, type, body);
  }
  for (const [type, byName] of Object.entries<Json>(tf.data ?? {})) {
    for (const [name, body] of Object.entries<Json>(byName)) add('data', `data.${type}.${name}`, type, body);
  }
  for (const [name, body] of Object.entries<Json>(tf.module ?? {})) add('module', `module.${name}`, name, body);
  for (const [name, body] of Object.entries<Json>(tf.output ?? {})) add('output', `output.${name}`, name, body);
  return blocks;
}
