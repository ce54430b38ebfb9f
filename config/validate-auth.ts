import type { IdentityKeys } from '../lib/nats/accounts';
import type { JwtBundle } from '../lib/nats/jwt-bundle';
import { JWT_FIX, checkJwts } from '../lib/nats/jwt-bundle';
import { issuesJwts } from '../lib/defaults';
import { calloutOf } from '../lib/nats/jwt-callout';
import { allowListRules } from './allow-list-rules';
import type { Fleet } from './types';

const RESOLVERS: readonly string[] = ['memory', 'full'];

/**
 * JWT mode (fleet.auth.mode 'jwt', or nkeys mode preparing the move to it
 * with auth.prepareJwt): config/jwt.json must exist and agree
 * with the fleet and config/identities.json before anything is synthesized:
 * a stale token would deploy permissions or limits the fleet no longer
 * describes, and only the servers would notice, at connect time.
 */
export function validateAuth(fleet: Fleet, keys: IdentityKeys, jwts: JwtBundle | undefined): string[] {
  if (!issuesJwts(fleet)) return [];
  const resolver = fleet.auth?.mode === 'jwt' ? fleet.auth.resolver : undefined;
  if (resolver !== undefined && !RESOLVERS.includes(resolver)) {
    return [`auth.resolver is ${JSON.stringify(resolver)}: use 'memory' (the default: account JWTs preloaded from the accounts include) or 'full' (also kept on a PVC per server)`];
  }
  const callout = calloutRules(fleet);
  if (callout.length > 0) return callout;
  const why = fleet.auth?.mode === 'jwt' ? "auth.mode is 'jwt'" : 'auth.prepareJwt is set';
  if (!jwts) return [`${why} but config/jwt.json does not exist: run \`npm run keys -- sync\` to mint the operator, the accounts and a user JWT per identity key, then commit config/jwt.json`];
  return checkJwts(fleet, keys, jwts).map((problem) => `config/jwt.json: ${problem}; ${JWT_FIX}`);
}

/** auth.callout: its lists obey a service's rules, and admitting clients that may do nothing at all is a mistake. */
function calloutRules(fleet: Fleet): string[] {
  const spec = calloutOf(fleet);
  if (!spec) return [];
  const { publish, subscribe } = spec.permissions;
  return [
    {
      failed: publish.length === 0 && subscribe.length === 0,
      message: 'auth.callout.permissions has empty publish and subscribe lists: admitted clients could do nothing; list the subjects the frontend needs, e.g. "ui.>"',
    },
    ...allowListRules('auth.callout.permissions.publish', publish),
    ...allowListRules('auth.callout.permissions.subscribe', subscribe),
  ]
    .filter((r) => r.failed)
    .map((r) => r.message);
}
