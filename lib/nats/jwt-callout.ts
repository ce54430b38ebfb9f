import { fromCurveSeed } from 'nkeys.js';
import type { CalloutSpec, Fleet } from '../../config/types';
import type { NatsClaim } from './jwt';
import { publicKeyOf } from './jwt';
import type { ScopedSigningKey } from './jwt-claims';
import { accountClaim, bearerUserClaim, scopedSigningKey, userClaim } from './jwt-claims';
import type { Permissions } from './permissions';
import { inboxSubject } from './permissions';

/*
 * Auth callout in JWT mode (fleet.auth.callout; nats-server 2.10+, seed
 * 001). A client without a seed presents the CALLOUT account's bearer JWT
 * and an application token; the server seals the request to the CALLOUT
 * account's xkey and sends it to `$SYS.REQ.USER.AUTH` in that account,
 * where the responder (lib/callout/responder.ts) checks the token and
 * answers with a user JWT of the application account, signed by a signing
 * key scoped to `callout.permissions`. nats-server applies the scope's
 * template (auth_callout.go, processUserPermissionsTemplate), so whatever
 * the responder writes, the client gets those permissions and no more.
 */

export const CALLOUT_ACCOUNT = 'CALLOUT';
/** The role of the application account's scoped signing key, and the name of the inbox prefix admitted clients use. */
export const CALLOUT_ROLE = 'callout';
/** Where nats-server sends authorization requests, in the account that runs the callout. */
export const AUTH_CALLOUT_SUBJECT = '$SYS.REQ.USER.AUTH';

/** The callout's private keys, in the age store beside the other JWT seeds. */
export interface CalloutSeeds {
  /** The CALLOUT account: its seed and signing keys (it signs the two users below and the responder's answers). */
  readonly account: { readonly seed: string; readonly signingKeys: readonly string[] };
  /** Curve key (`SX...`) the server seals requests to, and the responder opens them with. */
  readonly xkey: string;
  /** The application account's signing key scoped to `callout.permissions` (`SA...`): the only key the responder issues users with. */
  readonly scope: string;
  /** The responder service's user (`SU...`), listed in `auth_users`: it alone connects to CALLOUT without a callout. */
  readonly responder: string;
  /** The bearer user (`SU...`) whose JWT clients present; its seed signs nothing (bearer). */
  readonly bearer: string;
}

/** The public half: the two CALLOUT users' JWTs (config/jwt.json `callout`). */
export interface CalloutTokens {
  readonly responder: string;
  readonly bearer: string;
}

export const xkeyPublicOf = (seed: string): string => fromCurveSeed(new TextEncoder().encode(seed)).getPublicKey();

/** What every admitted client may do: the fleet's lists plus its own reply inbox. */
export const calloutPermissions = (spec: CalloutSpec): Permissions => ({
  publish: [...spec.permissions.publish],
  subscribe: [...spec.permissions.subscribe, inboxSubject(CALLOUT_ROLE)],
});

/** The responder: it receives requests and answers them (response permission), and publishes nothing else. */
export const RESPONDER_PERMISSIONS: Permissions = { publish: [], subscribe: [AUTH_CALLOUT_SUBJECT] };

export const calloutOf = (fleet: Fleet): CalloutSpec | undefined => (fleet.auth?.mode === 'jwt' ? fleet.auth.callout : undefined);

/** The application account's scoped key for the callout (none without a callout). */
export function appScopedKeys(fleet: Fleet, seeds: CalloutSeeds | undefined): ScopedSigningKey[] {
  const spec = calloutOf(fleet);
  return spec && seeds ? [scopedSigningKey(publicKeyOf(seeds.scope), CALLOUT_ROLE, calloutPermissions(spec))] : [];
}

/** The CALLOUT account: requests sealed to its xkey, answered by the responder, admitting clients into `appAccount` only. */
export function calloutAccountClaim(seeds: CalloutSeeds, appAccount: string): NatsClaim {
  return accountClaim({
    signingKeys: seeds.account.signingKeys.map(publicKeyOf),
    callout: { authUsers: [publicKeyOf(seeds.responder)], allowedAccounts: [appAccount], xkey: xkeyPublicOf(seeds.xkey) },
  });
}

/** The `nats` claims of the CALLOUT users, by token name. */
export function calloutUserClaims(seeds: CalloutSeeds): { readonly [name in keyof CalloutTokens]: { readonly sub: string; readonly nats: NatsClaim } } {
  const account = publicKeyOf(seeds.account.seed);
  return {
    responder: { sub: publicKeyOf(seeds.responder), nats: userClaim({ permissions: RESPONDER_PERMISSIONS, issuerAccount: account, responses: true }) },
    bearer: { sub: publicKeyOf(seeds.bearer), nats: bearerUserClaim(account) },
  };
}
