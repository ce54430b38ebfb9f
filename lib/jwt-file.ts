import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { JwtBundle } from './nats/jwt-bundle';

/**
 * JWT mode's public tokens (operator, accounts, one user JWT per identity
 * key), written by the keys CLI (`npm run keys -- init|sync|...` in JWT mode) and committed beside
 * config/identities.json. Tokens are signed, not secret: a server loads the
 * operator's and the accounts', a client presents its own with a signature
 * by its seed.
 */
export const jwtFileBeside = (identitiesFile: string): string => join(dirname(identitiesFile), 'jwt.json');

const FIX = 'restore it from git history, or run `npm run keys -- sync` to write it from the store';

const isStringMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads and checks the file's shape. Errors name the file and the field,
 * never its content. `undefined` when there is no file (nkeys mode needs none).
 */
export function readJwtBundle(file: string): JwtBundle | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`${file} is not valid JSON; ${FIX}`);
  }
  if (!isStringMap(parsed)) throw new Error(`${file}: expected an object { "operator", "accounts", "users" }; ${FIX}`);
  if (typeof parsed.operator !== 'string') throw new Error(`${file}: "operator" must be the operator JWT, a string; ${FIX}`);
  for (const field of ['accounts', 'users'] as const) {
    if (!isStringMap(parsed[field])) throw new Error(`${file}: "${field}" must be an object; ${FIX}`);
  }
  for (const [name, token] of Object.entries(parsed.accounts as Record<string, unknown>)) {
    if (typeof token !== 'string') throw new Error(`${file}: accounts."${name}" must be a JWT, a string; ${FIX}`);
  }
  for (const [identity, tokens] of Object.entries(parsed.users as Record<string, unknown>)) {
    if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string')) throw new Error(`${file}: users."${identity}" must be a list of JWTs; ${FIX}`);
  }
  if (parsed.callout !== undefined) {
    const callout = parsed.callout;
    if (!isStringMap(callout) || typeof callout.responder !== 'string' || typeof callout.bearer !== 'string') {
      throw new Error(`${file}: "callout" must be an object { "responder", "bearer" } of JWTs; ${FIX}`);
    }
  }
  return parsed as unknown as JwtBundle;
}
