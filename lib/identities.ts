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

const FIX = 'restore it from git history, or run `npm run keys -- sync` to write it from the store';

/**
 * Reads and checks the file. Errors name the file, the identity and the
 * index, never a byte of the content: a seed pasted here by mistake must
 * not reach a terminal, a CI log or an issue.
 */
export function readIdentities(file: string = IDENTITIES_FILE): IdentityKeys {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read the identities' public keys (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}); run \`npm run keys -- init\` to mint them`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // V8's message quotes the text around the error: it may be a seed.
    throw new Error(`${file} is not valid JSON; ${FIX}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${file}: expected an object { "<identity>": ["U..."] }; ${FIX}`);
  }
  for (const [identity, keys] of Object.entries(parsed)) {
    if (!Array.isArray(keys)) throw new Error(`${file}: "${identity}" must be a list of public keys ["U..."]; ${FIX}`);
    keys.forEach((k, i) => {
      if (typeof k !== 'string') throw new Error(`${file}: "${identity}"[${i}] must be a string, a public key "U..."; ${FIX}`);
    });
  }
  return parsed as IdentityKeys;
}
