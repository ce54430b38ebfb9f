import type { IdentityKeys } from '../lib/nats/accounts';
import type { JwtBundle } from '../lib/nats/jwt-bundle';
import { JWT_FIX, checkJwts } from '../lib/nats/jwt-bundle';
import { authMode } from '../lib/defaults';
import type { Fleet } from './types';

/**
 * JWT mode (fleet.auth.mode 'jwt'): config/jwt.json must exist and agree
 * with the fleet and config/identities.json before anything is synthesized:
 * a stale token would deploy permissions or limits the fleet no longer
 * describes, and only the servers would notice, at connect time.
 */
export function validateAuth(fleet: Fleet, keys: IdentityKeys, jwts: JwtBundle | undefined): string[] {
  if (authMode(fleet) !== 'jwt') return [];
  if (!jwts) return ["auth.mode is 'jwt' but config/jwt.json does not exist: run `npm run keys -- sync` to mint the operator, the accounts and a user JWT per identity key, then commit config/jwt.json"];
  return checkJwts(fleet, keys, jwts).map((problem) => `config/jwt.json: ${problem}; ${JWT_FIX}`);
}
