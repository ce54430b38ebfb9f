import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IdentityKeys } from './nats/accounts';

/**
 * Public nkeys per identity, written by `npm run keys -- init|rotate|retire`
 * and committed: servers need only public keys, so synth needs no secret.
 */
export const IDENTITIES_FILE = join(__dirname, '..', 'config', 'identities.json');

/** The identities file main.ts reads: HARMONY_IDENTITIES_FILE overrides it (tests, trying a change). */
export const identitiesFile = (): string => process.env.HARMONY_IDENTITIES_FILE ?? IDENTITIES_FILE;

export function readIdentities(file: string = IDENTITIES_FILE): IdentityKeys {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read the identities' public keys (${(e as Error).message}); run \`npm run keys -- init\` to mint them`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${file}: expected an object { "<identity>": ["U..."] }`);
  }
  return parsed as IdentityKeys;
}
